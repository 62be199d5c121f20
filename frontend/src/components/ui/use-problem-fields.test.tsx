import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { I18nProvider } from '../../lib/i18n';
import { ApiError } from '../../lib/problem';
import { useProblemFields } from './index';

const wrapper = ({ children }: { children: ReactNode }) => <I18nProvider locale="en">{children}</I18nProvider>;

describe('useProblemFields', () => {
  it('keeps every field cleared in one event cleared (state read from the latest update)', () => {
    const error = new ApiError(422, {
      code: 'validation_error',
      errors: [
        { loc: ['body', 'label'], msg: 'Field required' },
        { loc: ['body', 'key'], msg: 'Field required' },
      ],
    });
    const { result } = renderHook(() => useProblemFields(error), { wrapper });
    expect(Object.keys(result.current.fields).sort()).toEqual(['key', 'label']);
    act(() => {
      // the custom-fields form clears both when the label (from which the key follows) changes
      result.current.clear('label');
      result.current.clear('key');
    });
    expect(result.current.fields).toEqual({});
    expect(result.current.stale).toBe(true);
  });
});
