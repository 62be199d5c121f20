import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { KeywordsPage } from './keywords-page';

describe('Keywords page', () => {
  beforeEach(() => authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'marketer' }));
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('is titled for both lists; a new attempt clears the stale success; a conflict names the keyword on both lists', async () => {
    const user = userEvent.setup();
    let answer = () => json({ opt_out: ['stop'], opt_in: ['start'] });
    mockApi({
      'GET /api/v1/consent/keywords': () => json({ opt_out: ['stop'], opt_in: ['start'] }),
      'PUT /api/v1/consent/keywords': () => answer(),
    });
    renderWithProviders(<KeywordsPage />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Opt-out and opt-in keywords' })).toBeInTheDocument();
    const optOut = await screen.findByLabelText('Opt-out keywords');
    const optIn = screen.getByLabelText('Opt-in keywords');

    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Keywords saved.')).toBeInTheDocument();

    // A client-side error: the success of the previous save is gone.
    await user.clear(optOut);
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(optOut).toHaveAccessibleDescription(/Keep at least one opt-out keyword\./);
    expect(screen.queryByText('Keywords saved.')).not.toBeInTheDocument();
    expect(optOut).toHaveFocus();

    answer = () => json({ status: 422, code: 'consent.keyword_conflict', detail: "'stop' cannot both opt out and opt in.", keyword: 'stop' }, 422);
    await user.type(optOut, 'STOP');
    await user.clear(optIn);
    await user.type(optIn, 'stop');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(optOut).toHaveAccessibleDescription(/“\u2068stop\u2069” is in both the opt-out and the opt-in list\./));
    expect(optIn).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent('Please correct the highlighted fields.');
    expect(screen.queryByText('Keywords saved.')).not.toBeInTheDocument();
    expect(screen.queryByText(/cannot both opt out/)).not.toBeInTheDocument();
  });

  it('names an unusable keyword (Arabic) on the list that holds it', async () => {
    const user = userEvent.setup();
    mockApi({
      'GET /api/v1/consent/keywords': () => json({ opt_out: ['stop'], opt_in: ['start'] }),
      'PUT /api/v1/consent/keywords': () =>
        json({ status: 422, code: 'consent.invalid_keyword', detail: "'!!' is not a usable keyword", keyword: '!!' }, 422),
    });
    renderWithProviders(<KeywordsPage />, { locale: 'ar' });
    const optIn = await screen.findByLabelText('كلمات الاشتراك');
    await user.type(optIn, '\n!!');
    await user.click(screen.getByRole('button', { name: 'حفظ التغييرات' }));
    await waitFor(() => expect(optIn).toHaveAccessibleDescription(/«\u2068!!\u2069» ليست كلمة مفتاحية صالحة/));
    expect(screen.getByLabelText('كلمات إلغاء الاشتراك')).not.toHaveAttribute('aria-invalid');
    expect(document.body).not.toHaveTextContent('not a usable keyword');
  });
});
