import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { OptInPage } from './optin-page';

const NOTICE = 'I agree to receive WhatsApp messages with offers and updates from Acme. I can reply STOP at any time to stop them.';

function page(locale: 'en' | 'ar' = 'en') {
  return renderWithProviders(
    <Routes>
      <Route path="/optin/:slug" element={<OptInPage />} />
    </Routes>,
    { route: '/optin/acme', locale },
  );
}

describe('Hosted opt-in page', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the workspace and the exact notice, and submits the notice exactly as shown', async () => {
    const user = userEvent.setup();
    const { calls } = mockApi({
      'GET /api/v1/optin/acme': () => json({ workspace_name: 'Acme Trading', notice: NOTICE }),
      'POST /optin/acme': () => json({ status: 'opted_in', detail: 'You are subscribed. Reply STOP to stop.' }, 201),
    });
    page();
    expect(await screen.findByTestId('optin-workspace')).toHaveTextContent('Acme Trading');
    expect(screen.getByTestId('optin-notice')).toHaveTextContent(NOTICE);
    const form = screen.getByRole('form', { name: 'Subscribe to WhatsApp messages' });
    await user.click(within(form).getByRole('button', { name: 'Subscribe' }));
    expect(within(form).getByText('This field is required.')).toBeInTheDocument();

    await user.type(within(form).getByLabelText('WhatsApp number'), '+249912345678');
    await user.type(within(form).getByLabelText(/Your name/), 'Huda');
    await user.click(within(form).getByRole('button', { name: 'Subscribe' }));
    const result = await screen.findByTestId('optin-result');
    expect(result).toHaveAttribute('data-status', 'opted_in');
    expect(result).toHaveTextContent('You are subscribed.');
    expect(result).toHaveTextContent('You will receive our WhatsApp messages. Reply STOP at any time to stop them.');
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.path).toBe('/optin/acme');
    expect(post.body).toEqual({ phone: '+249912345678', name: 'Huda', notice: NOTICE });
  });

  it('says a suppressed number must confirm with START (in Arabic)', async () => {
    const user = userEvent.setup();
    mockApi({
      'GET /api/v1/optin/acme': () => json({ workspace_name: 'شركة أكمي', notice: NOTICE }),
      'POST /optin/acme': () => json({ status: 'pending_confirmation', detail: 'To confirm, send START to us on WhatsApp from this number.' }, 201),
    });
    page('ar');
    expect(await screen.findByTestId('optin-workspace')).toHaveTextContent('شركة أكمي');
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
    // The number field and the example number keep their left-to-right order in Arabic.
    const phone = screen.getByLabelText('رقم واتساب');
    expect(phone).toHaveAttribute('dir', 'ltr');
    expect(phone).toHaveAccessibleDescription(/\u2066\+249 91 234 5678\u2069/);
    await user.type(phone, '0912345678');
    await user.click(screen.getByRole('button', { name: 'اشترك' }));
    const result = await screen.findByTestId('optin-result');
    expect(result).toHaveAttribute('data-status', 'pending_confirmation');
    expect(result).toHaveTextContent('بقيت خطوة: أكّد عبر واتساب.');
    expect(result).toHaveTextContent('أرسل إلينا كلمة START');
    // The server's English detail is not shown on the Arabic page.
    expect(result).not.toHaveTextContent('To confirm, send START to us on WhatsApp from this number.');
  });

  it('asks to reload when the notice changed, and shows an invalid number on the field', async () => {
    const user = userEvent.setup();
    let answer = json({ status: 409, code: 'optin.notice_changed', detail: 'The notice changed.' }, 409);
    mockApi({
      'GET /api/v1/optin/acme': () => json({ workspace_name: 'Acme', notice: NOTICE }),
      'POST /optin/acme': () => answer,
    });
    page();
    await user.type(await screen.findByLabelText('WhatsApp number'), '+249912345678');
    await user.click(screen.getByRole('button', { name: 'Subscribe' }));
    expect(await screen.findByText('The notice changed. Reload the page and read it again.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reload' })).toBeInTheDocument();

    answer = json({ status: 422, code: 'contacts.invalid_phone', detail: "'12' is not a phone number.", value: '12' }, 422);
    await user.click(screen.getByRole('button', { name: 'Subscribe' }));
    // the person filling the form is told how to write their number, not about workspace settings
    await waitFor(() => expect(screen.getByLabelText('WhatsApp number')).toHaveAccessibleDescription(/Write it with your country code/));
    expect(screen.getByLabelText('WhatsApp number')).not.toHaveAccessibleDescription(/default country/);
    expect(screen.getByLabelText('WhatsApp number')).toHaveAttribute('aria-invalid', 'true');
  });

  it('says when the page does not exist', async () => {
    mockApi({ 'GET /api/v1/optin/acme': () => json({ status: 404, code: 'not_found', detail: 'No such opt-in page.' }, 404) });
    page();
    expect(await screen.findByText('This opt-in page does not exist.')).toBeInTheDocument();
  });
});
