import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { SuppressionsPage } from './suppressions-page';

const suppression = { id: 's-1', purpose: 'marketing', phone_hint: '5678', source: 'inbound_keyword', reason: null, created_at: '2026-11-20T10:00:00Z' };

describe('Suppression list', () => {
  beforeEach(() => authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'marketer' }));
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('shows only the last digits, and explains why "Remove" is refused', async () => {
    const user = userEvent.setup();
    const { calls } = mockApi({
      'GET /api/v1/suppressions': () => json({ items: [suppression], next_cursor: null }),
      'DELETE /api/v1/suppressions/s-1': () =>
        json(
          {
            type: 'about:blank',
            title: 'Conflict',
            status: 409,
            code: 'consent.suppression_locked',
            detail: "Only the person's own new opt-in from this number (an inbound START) can lift this suppression.",
          },
          409,
        ),
    });
    renderWithProviders(<SuppressionsPage />);
    const table = await screen.findByTestId('suppressions-table');
    const row = within(table).getAllByRole('row')[1]!;
    expect(row).toHaveTextContent('••••5678');
    expect(row).toHaveTextContent('Marketing');
    expect(row).toHaveTextContent('WhatsApp keyword');

    await user.click(within(row).getByRole('button', { name: 'Remove' }));
    const dialog = screen.getByRole('dialog');
    expect(dialog).toHaveTextContent('Remove \u2068••••5678\u2069 from the suppression list?');
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));

    const alert = await screen.findByText('This suppression cannot be removed.');
    expect(alert.closest('.alert')).toHaveTextContent(
      'The person opted out. Only their own new opt-in from this number (replying START on WhatsApp, or confirming the opt-in form with START) can lift the suppression; a team member, an import or an API call cannot.',
    );
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe('/api/v1/suppressions/s-1');
    // Still listed.
    expect(within(table).getByText('••••5678')).toBeInTheDocument();
  });

  it('adds a number with a purpose and reason', async () => {
    const user = userEvent.setup();
    const { calls } = mockApi({
      'GET /api/v1/suppressions': () => json({ items: [], next_cursor: null }),
      'POST /api/v1/suppressions': () => json({ ...suppression, id: 's-2', purpose: 'utility', source: 'agent', phone_hint: '4321', reason: 'Asked by phone' }, 201),
    });
    renderWithProviders(<SuppressionsPage />);
    const form = screen.getByRole('form', { name: 'Suppress a number' });
    await user.type(within(form).getByLabelText('Phone number'), '+249 91 234 4321');
    await user.selectOptions(within(form).getByLabelText('Purpose'), 'utility');
    await user.type(within(form).getByLabelText(/Reason/), 'Asked by phone');
    await user.click(within(form).getByRole('button', { name: 'Suppress' }));
    expect(await screen.findByText('\u2068••••4321\u2069 is suppressed.')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ phone: '+249 91 234 4321', purpose: 'utility', reason: 'Asked by phone' });
  });

  it('viewers cannot add or remove', async () => {
    authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'viewer' });
    mockApi({ 'GET /api/v1/suppressions': () => json({ items: [suppression], next_cursor: null }) });
    renderWithProviders(<SuppressionsPage />);
    expect(await screen.findByText('••••5678')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Remove' })).toBeNull();
    expect(screen.queryByRole('form', { name: 'Suppress a number' })).toBeNull();
  });
});
