import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { ApiKeysPage } from './api-keys-page';

const SECRET = 'qms_live_5f2bXq9sKd0AbCdEfGhIjKlMnOpQrStUv';

const scopes = {
  items: [
    { scope: 'workspace:read', description: 'Read workspace details', min_role: 'viewer' },
    { scope: 'contacts:read', description: 'Read contacts', min_role: 'viewer' },
    { scope: 'api_keys:write', description: 'Manage keys', min_role: 'owner' },
  ],
};

function keyOut(overrides: Record<string, unknown> = {}) {
  return {
    id: 'k1',
    name: 'CRM sync',
    prefix: 'qms_live_5f2b',
    scopes: ['workspace:read'],
    mode: 'live',
    created_at: '2026-05-01T10:00:00Z',
    created_by: 'u1',
    last_used_at: null,
    expires_at: null,
    revoked_at: null,
    ...overrides,
  };
}

describe('API keys page', () => {
  beforeEach(() => {
    authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'admin' });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('shows a created key once, in a dialog with a Copy button and a warning', async () => {
    const user = userEvent.setup();
    let listed: unknown[] = [];
    const { calls } = mockApi({
      'GET /api/v1/api-keys/scopes': () => json(scopes),
      'GET /api/v1/api-keys': () => json({ items: listed }),
      'POST /api/v1/api-keys': () => {
        listed = [keyOut()];
        return json({ ...keyOut(), key: SECRET }, 201);
      },
    });
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });

    renderWithProviders(<ApiKeysPage />);
    const form = await screen.findByRole('form', { name: 'Create API key' });
    await user.type(within(form).getByLabelText('Key name'), 'CRM sync');
    // A scope above the user's role is offered but disabled.
    expect(await within(form).findByRole('checkbox', { name: /api_keys:write/ })).toBeDisabled();
    await user.click(within(form).getByRole('checkbox', { name: /workspace:read/ }));
    await user.click(within(form).getByRole('button', { name: 'Create API key' }));

    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText(/will not be shown again/)).toBeInTheDocument();
    expect(within(dialog).getByDisplayValue(SECRET)).toBeInTheDocument();

    const post = calls.find((c) => c.method === 'POST');
    expect(post?.body).toEqual({ name: 'CRM sync', scopes: ['workspace:read'], mode: 'live' });
    expect(post?.headers.get('Authorization')).toBe('Bearer access-1');

    await user.click(within(dialog).getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(within(dialog).getByRole('button', { name: 'Copied!' })).toBeInTheDocument();

    // Escape does not dismiss it by accident; only the explicit confirmation does.
    await user.keyboard('{Escape}');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'I have copied the key' }));

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    // The list shows only the prefix; the full secret is gone from the page for good.
    expect(await screen.findByText('qms_live_5f2b…')).toBeInTheDocument();
    expect(document.body.textContent).not.toContain(SECRET);
    expect(screen.queryByDisplayValue(SECRET)).not.toBeInTheDocument();
  });

  it('shows the localised API error inline when creation is refused', async () => {
    const user = userEvent.setup();
    mockApi({
      'GET /api/v1/api-keys/scopes': () => json(scopes),
      'GET /api/v1/api-keys': () => json({ items: [] }),
      'POST /api/v1/api-keys': () =>
        json({ type: 'about:blank', title: 'Forbidden', status: 403, code: 'api_keys.scope_exceeds_role', detail: 'no' }, 403),
    });
    renderWithProviders(<ApiKeysPage />);
    const form = await screen.findByRole('form', { name: 'Create API key' });
    await user.type(within(form).getByLabelText('Key name'), 'x');
    await user.click(await within(form).findByRole('checkbox', { name: /contacts:read/ }));
    await user.click(within(form).getByRole('button', { name: 'Create API key' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('A key cannot have scopes beyond your own role.');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('creates a test key when Test is chosen, and the list shows each key\'s mode', async () => {
    const user = userEvent.setup();
    let listed: unknown[] = [keyOut()];
    const { calls } = mockApi({
      'GET /api/v1/api-keys/scopes': () => json(scopes),
      'GET /api/v1/api-keys': () => json({ items: listed }),
      'POST /api/v1/api-keys': () => {
        listed = [keyOut(), keyOut({ id: 'k2', name: 'Sandbox', prefix: 'qms_test_9a1c', mode: 'test' })];
        return json({ ...keyOut({ id: 'k2', name: 'Sandbox', prefix: 'qms_test_9a1c', mode: 'test' }), key: 'qms_test_9a1cSecret' }, 201);
      },
    });
    renderWithProviders(<ApiKeysPage />);
    const form = await screen.findByRole('form', { name: 'Create API key' });
    expect(within(form).getByRole('radio', { name: /Live/ })).toBeChecked();
    await user.type(within(form).getByLabelText('Key name'), 'Sandbox');
    await user.click(within(form).getByRole('radio', { name: /Test/ }));
    await user.click(await within(form).findByRole('checkbox', { name: /workspace:read/ }));
    await user.click(within(form).getByRole('button', { name: 'Create API key' }));
    await user.click(await screen.findByRole('button', { name: 'I have copied the key' }));

    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'Sandbox', scopes: ['workspace:read'], mode: 'test' });
    const table = await screen.findByTestId('api-keys-table');
    await waitFor(() => expect(within(table).getByRole('row', { name: /Sandbox/ })).toHaveTextContent('Test'));
    expect(within(table).getByRole('row', { name: /CRM sync/ })).toHaveTextContent('Live');
  });

  it('hides the create form and revoke buttons from non-admins', async () => {
    authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'marketer' });
    mockApi({ 'GET /api/v1/api-keys': () => json({ items: [keyOut()] }) });
    renderWithProviders(<ApiKeysPage />);
    await waitFor(() => expect(screen.getByText('CRM sync')).toBeInTheDocument());
    expect(screen.queryByRole('form', { name: 'Create API key' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Revoke' })).not.toBeInTheDocument();
  });
});
