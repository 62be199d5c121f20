import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { FieldsPage } from './fields-page';

describe('Custom fields page', () => {
  beforeEach(() => authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'marketer' }));
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('shows a refused key on the key field, translated (Arabic), and clears it when the key is edited', async () => {
    const user = userEvent.setup();
    mockApi({
      'GET /api/v1/contacts/fields': () => json({ items: [] }),
      'POST /api/v1/contacts/fields': () =>
        json({ status: 422, code: 'contacts.reserved_field_key', detail: "'phone' is a contact's own attribute; choose another key.", field: 'phone' }, 422),
    });
    renderWithProviders(<FieldsPage />, { locale: 'ar' });
    await user.type(await screen.findByLabelText('التسمية'), 'phone');
    const key = screen.getByLabelText('المفتاح');
    await user.clear(key);
    await user.type(key, 'phone');
    await user.click(screen.getByRole('button', { name: 'إضافة الحقل' }));
    await waitFor(() => expect(key).toHaveAccessibleDescription(/\u2068phone\u2069 من خصائص جهة الاتصال نفسها/));
    expect(key).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent('يرجى تصحيح الحقول المميّزة.');
    expect(document.body).not.toHaveTextContent("own attribute");
    await user.type(key, 'x');
    expect(key).not.toHaveAttribute('aria-invalid');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
