import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { splitPhoneNumberIds, type PhoneNumber } from '../api/whatsapp';
import { ConnectionForm } from './connection-form';
import { PhoneNumbersTable } from './phone-numbers-table';
import { WhatsAppPage } from './whatsapp-page';

const notConnected = () => json({ type: 'about:blank', title: 'WhatsApp is not connected', status: 404, code: 'whatsapp.not_connected', detail: 'Connect first.' }, 404);

function number(overrides: Partial<PhoneNumber> = {}): PhoneNumber {
  return {
    phone_number_id: '111',
    display_phone_number: '+249 91 000 0001',
    verified_name: 'Acme',
    quality_rating: 'GREEN',
    throughput_level: 'STANDARD',
    messaging_limit: 'TIER_250',
    refreshed_at: '2026-11-28T10:00:00Z',
    ...overrides,
  };
}

function connection(overrides: Record<string, unknown> = {}) {
  return {
    mode: 'test',
    waba_id: '900001',
    status: 'active',
    status_reason: null,
    access_token_hint: '••••abcd',
    connected_at: '2026-11-28T10:00:00Z',
    phone_numbers: [number(), number({ phone_number_id: '222', display_phone_number: '+249 91 000 0002', quality_rating: 'YELLOW' })],
    ...overrides,
  };
}

describe('splitPhoneNumberIds', () => {
  it('splits on commas, spaces and new lines and drops duplicates', () => {
    expect(splitPhoneNumberIds(' 111, 222  333,\n444,,111 ')).toEqual(['111', '222', '333', '444']);
    expect(splitPhoneNumberIds('  ')).toEqual([]);
  });
});

describe('WhatsApp connection form', () => {
  beforeEach(() => authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'admin' }));
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('splits the entered ids and sends PUT with the right body; the token is a password field and is cleared', async () => {
    const user = userEvent.setup();
    const onConnected = vi.fn();
    const { calls } = mockApi({ 'PUT /api/v1/whatsapp/connection': () => json(connection({ mode: 'live' })) });
    renderWithProviders(<ConnectionForm onConnected={onConnected} />);
    const form = screen.getByRole('form', { name: 'Connect a WhatsApp Business Account' });

    const token = within(form).getByLabelText('Access token');
    expect(token).toHaveAttribute('type', 'password');
    expect(token).toHaveAttribute('autocomplete', 'off');

    await user.type(within(form).getByLabelText('WhatsApp Business Account ID'), '900001');
    await user.type(token, 'EAAG-secret-token-abcd');
    await user.type(within(form).getByLabelText('Phone number IDs'), '111, 222 333');

    const preview = within(form).getByRole('list', { name: 'Numbers to connect' });
    expect(within(preview).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['111', '222', '333']);

    await user.click(within(form).getByRole('button', { name: 'Connect' }));
    await waitFor(() => expect(onConnected).toHaveBeenCalled());
    const put = calls.find((c) => c.method === 'PUT');
    expect(put?.path).toBe('/api/v1/whatsapp/connection');
    expect(put?.body).toEqual({ waba_id: '900001', access_token: 'EAAG-secret-token-abcd', phone_number_ids: ['111', '222', '333'] });
    expect(put?.headers.get('Authorization')).toBe('Bearer access-1');
    // The token is not kept in the form after it was sent.
    expect(token).toHaveValue('');
  });

  it('checks the fields before sending', async () => {
    const user = userEvent.setup();
    const { calls } = mockApi({});
    renderWithProviders(<ConnectionForm />);
    await user.type(screen.getByLabelText('WhatsApp Business Account ID'), '12ab');
    await user.type(screen.getByLabelText('Phone number IDs'), '111 x22');
    await user.click(screen.getByRole('button', { name: 'Connect' }));
    expect(screen.getByText('The account ID contains digits only.')).toBeInTheDocument();
    expect(screen.getByText('This field is required.')).toBeInTheDocument();
    expect(screen.getByText('Phone number IDs contain digits only: x22')).toBeInTheDocument();
    expect(calls).toHaveLength(0);
  });

  it('shows the localised message when Meta rejects the token', async () => {
    const user = userEvent.setup();
    mockApi({
      'PUT /api/v1/whatsapp/connection': () =>
        json({ type: 'about:blank', title: 'Unprocessable', status: 422, code: 'whatsapp.token_rejected', detail: 'The Cloud API rejected the access token: (190) expired' }, 422),
    });
    renderWithProviders(<ConnectionForm />);
    await user.type(screen.getByLabelText('WhatsApp Business Account ID'), '900001');
    await user.type(screen.getByLabelText('Access token'), 'EAAG-expired-token');
    await user.type(screen.getByLabelText('Phone number IDs'), '111');
    await user.click(screen.getByRole('button', { name: 'Connect' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(/^Meta rejected the access token\./);
  });

  it('marks the phone number ids the account does not have', async () => {
    const user = userEvent.setup();
    mockApi({
      'PUT /api/v1/whatsapp/connection': () =>
        json({ status: 422, code: 'whatsapp.phone_number_not_in_waba', detail: 'Not phone numbers of this WABA: 999.', phone_number_ids: ['999'] }, 422),
    });
    renderWithProviders(<ConnectionForm />);
    await user.type(screen.getByLabelText('WhatsApp Business Account ID'), '900001');
    await user.type(screen.getByLabelText('Access token'), 'EAAG-some-token');
    await user.type(screen.getByLabelText('Phone number IDs'), '111 999');
    await user.click(screen.getByRole('button', { name: 'Connect' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('One or more phone number IDs do not belong to this WhatsApp Business Account.');
    expect(screen.getByLabelText('Phone number IDs')).toHaveAccessibleDescription(/999/);
  });

  it('shows the Arabic message for the same code', async () => {
    const user = userEvent.setup();
    mockApi({ 'PUT /api/v1/whatsapp/connection': () => json({ status: 422, code: 'whatsapp.token_rejected', detail: 'x' }, 422) });
    renderWithProviders(<ConnectionForm />, { locale: 'ar' });
    await user.type(screen.getByLabelText('معرّف حساب واتساب للأعمال'), '900001');
    await user.type(screen.getByLabelText('رمز الوصول'), 'EAAG-expired-token');
    await user.type(screen.getByLabelText('معرّفات أرقام الهواتف'), '111');
    await user.click(screen.getByRole('button', { name: 'ربط' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('رفضت Meta رمز الوصول.');
  });
});

describe('Phone numbers table', () => {
  it('renders a quality badge per number, and the throughput and tier', () => {
    renderWithProviders(
      <PhoneNumbersTable
        numbers={[
          number(),
          number({ phone_number_id: '222', quality_rating: 'YELLOW', messaging_limit: 'TIER_UNLIMITED', throughput_level: 'HIGH' }),
          number({ phone_number_id: '333', quality_rating: 'RED' }),
          number({ phone_number_id: '444', quality_rating: null, throughput_level: null, messaging_limit: null }),
        ]}
      />,
    );
    const rows = within(screen.getByTestId('phone-numbers-table')).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(4);
    const badge = (row: HTMLElement) => row.querySelector('.badge');
    expect(badge(rows[0]!)).toHaveTextContent('Green');
    expect(badge(rows[0]!)).toHaveClass('badge-success');
    expect(badge(rows[1]!)).toHaveTextContent('Yellow');
    expect(badge(rows[1]!)).toHaveClass('badge-warning');
    expect(badge(rows[2]!)).toHaveTextContent('Red');
    expect(badge(rows[2]!)).toHaveClass('badge-danger');
    expect(badge(rows[3]!)).toHaveTextContent('Unknown');
    expect(rows[0]).toHaveTextContent('Standard');
    expect(rows[0]).toHaveTextContent('250 customers / 24 h');
    expect(rows[1]).toHaveTextContent('High');
    expect(rows[1]).toHaveTextContent('Unlimited');
  });
});

describe('WhatsApp page', () => {
  beforeEach(() => authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'owner' }));
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('offers the simulator in test mode, shows the connection, and disconnects after confirmation', async () => {
    const user = userEvent.setup();
    let connected = false;
    const { calls } = mockApi({
      'GET /api/v1/whatsapp/connection': () => (connected ? json(connection()) : notConnected()),
      'PUT /api/v1/whatsapp/connection': () => {
        connected = true;
        return json(connection());
      },
      'GET /api/v1/whatsapp/phone-numbers': () => json({ items: connection().phone_numbers }),
      'DELETE /api/v1/whatsapp/connection': () => {
        connected = false;
        return new Response(null, { status: 204 });
      },
    });
    renderWithProviders(<WhatsAppPage testMode />);
    expect(await screen.findByRole('form', { name: 'Connect a WhatsApp Business Account' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Connect to the simulator' }));

    const details = await screen.findByTestId('whatsapp-connection');
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({});
    expect(details).toHaveTextContent('Active');
    expect(details).toHaveTextContent('Test');
    expect(details).toHaveTextContent('••••abcd');
    expect(details).toHaveTextContent('900001');
    expect(within(screen.getByTestId('phone-numbers-table')).getAllByRole('row')).toHaveLength(3);
    expect(screen.queryByLabelText('Access token')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'GET' && c.path === '/api/v1/whatsapp/phone-numbers')).toBe(true));

    await user.click(screen.getByRole('button', { name: 'Disconnect' }));
    const dialog = screen.getByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    expect(await screen.findByRole('form', { name: 'Connect a WhatsApp Business Account' })).toBeInTheDocument();
    expect(screen.getByText('WhatsApp was disconnected.')).toBeInTheDocument();
  });

  it('sends ?refresh=true when Refresh is clicked', async () => {
    const user = userEvent.setup();
    const urls: string[] = [];
    mockApi({
      'GET /api/v1/whatsapp/connection': () => json(connection()),
      'GET /api/v1/whatsapp/phone-numbers': () => json({ items: connection().phone_numbers }),
    });
    const fetchMock = vi.mocked(globalThis.fetch);
    renderWithProviders(<WhatsAppPage testMode={false} />);
    await screen.findByTestId('phone-numbers-table');
    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => {
      for (const [input] of fetchMock.mock.calls) urls.push(input instanceof Request ? input.url : String(input));
      expect(urls.some((u) => u.includes('/api/v1/whatsapp/phone-numbers?refresh=true'))).toBe(true);
    });
    // Not in test mode: no simulator button.
    expect(screen.queryByRole('button', { name: 'Connect to the simulator' })).not.toBeInTheDocument();
  });

  it('shows status, reason and the Live badge of a disabled connection', async () => {
    mockApi({
      'GET /api/v1/whatsapp/connection': () => json(connection({ mode: 'live', status: 'disabled', status_reason: 'Cloud API error 190: token expired' })),
      'GET /api/v1/whatsapp/phone-numbers': () => json({ items: [] }),
    });
    renderWithProviders(<WhatsAppPage testMode={false} />);
    const details = await screen.findByTestId('whatsapp-connection');
    expect(details).toHaveTextContent('Disabled');
    expect(details).toHaveTextContent('Cloud API error 190: token expired');
    expect(details).toHaveTextContent('Live');
    expect(await screen.findByText('No phone numbers.')).toBeInTheDocument();
  });

  it('tells a non-admin to ask an admin instead of showing the form', async () => {
    authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'marketer' });
    mockApi({ 'GET /api/v1/whatsapp/connection': notConnected });
    renderWithProviders(<WhatsAppPage testMode />);
    expect(await screen.findByText(/Ask an admin to connect/)).toBeInTheDocument();
    expect(screen.queryByRole('form')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Connect to the simulator' })).not.toBeInTheDocument();
  });
});
