import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders, type Call } from '../../../test/utils';
import { bulkActionBody, filterParams, readFilter, writeFilter, type Contact } from '../api/contacts';
import { ContactsPage } from './contacts-page';

function contact(id: string, overrides: Partial<Contact> = {}): Contact {
  return {
    id,
    phone: `+2499100000${id.slice(-2)}`,
    name: `Person ${id}`,
    language: null,
    country: 'SD',
    timezone: 'Africa/Khartoum',
    tags: ['vip'],
    fields: {},
    marketing_consent: 'opted_in',
    utility_consent: 'none',
    platform_marketing_stop: false,
    created_at: '2026-11-20T10:00:00Z',
    updated_at: '2026-11-20T10:00:00Z',
    ...overrides,
  };
}

const lists = { items: [{ id: 'l-1', name: 'Ramadan', description: null, members: 3, created_at: '2026-11-01T00:00:00Z' }] };
const workspace = { id: 'w1', name: 'Acme', slug: 'acme', default_country: 'SD', test_mode: false };

function api(extra: Record<string, (call: Call) => Response> = {}) {
  return mockApi({
    'GET /api/v1/contacts': (call) =>
      call.query.get('cursor')
        ? json({ items: [contact('c-03')], next_cursor: null })
        : json({ items: [contact('c-01'), contact('c-02', { marketing_consent: 'none' })], next_cursor: 'next-1' }),
    'GET /api/v1/lists': () => json(lists),
    'GET /api/v1/workspace': () => json(workspace),
    ...extra,
  });
}

const contactCalls = (calls: Call[]) => calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/contacts');

describe('contact filters', () => {
  it('map to query parameters without empty values; consent is for marketing', () => {
    expect(filterParams({ q: '  ali ', tag: '', list_id: undefined, consent: 'opted_out' })).toEqual({ q: 'ali', consent: 'opted_out', purpose: 'marketing' });
    expect(filterParams({})).toEqual({});
  });

  it('round-trip through the URL', () => {
    const params = writeFilter({ q: 'ali', tag: 'vip', list_id: 'l-1', consent: 'none' }, 'name');
    expect(params.toString()).toBe('q=ali&tag=vip&list_id=l-1&consent=none&sort=name');
    expect(readFilter(params)).toEqual({ filter: { q: 'ali', tag: 'vip', list_id: 'l-1', consent: 'none' }, sort: 'name' });
    expect(readFilter(new URLSearchParams('consent=bogus')).filter.consent).toBeUndefined();
  });

  it('bulk bodies carry either the ids or the filter', () => {
    expect(bulkActionBody('tag', { kind: 'ids', ids: ['a', 'b'] }, { tag: ' vip ' })).toEqual({ action: 'tag', ids: ['a', 'b'], tag: 'vip' });
    expect(bulkActionBody('add_to_list', { kind: 'filter', filter: { q: 'x', consent: 'opted_in' } }, { list_id: 'l-1', tag: 'ignored' })).toEqual({
      action: 'add_to_list',
      filter: { q: 'x', consent: 'opted_in', purpose: 'marketing' },
      list_id: 'l-1',
    });
    expect(bulkActionBody('delete', { kind: 'ids', ids: ['a'] })).toEqual({ action: 'delete', ids: ['a'] });
  });
});

describe('Contacts page', () => {
  beforeEach(() => authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'marketer' }));
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('sends the filters, search (debounced) and sort as query parameters', async () => {
    // No pause between keystrokes: the three letters fall within one debounce window.
    const user = userEvent.setup({ delay: null });
    const { calls } = api();
    renderWithProviders(<ContactsPage />, { route: '/contacts?list_id=l-1' });
    expect(await screen.findByText('Person c-01')).toBeInTheDocument();
    const first = contactCalls(calls)[0]!;
    expect(first.query.get('list_id')).toBe('l-1');
    expect(first.query.get('sort')).toBe('-created_at');
    expect(first.query.get('limit')).toBe('50');
    expect(first.query.has('q')).toBe(false);

    await user.selectOptions(screen.getByLabelText('Marketing consent'), 'opted_out');
    await waitFor(() => expect(contactCalls(calls).at(-1)!.query.get('consent')).toBe('opted_out'));
    expect(contactCalls(calls).at(-1)!.query.get('purpose')).toBe('marketing');

    const before = contactCalls(calls).length;
    await user.type(screen.getByLabelText('Search'), 'ali');
    // One request once typing pauses, not one per key.
    await waitFor(() => expect(contactCalls(calls).at(-1)!.query.get('q')).toBe('ali'));
    expect(contactCalls(calls).length).toBe(before + 1);

    await user.selectOptions(screen.getByLabelText('Sort by'), 'name');
    await waitFor(() => expect(contactCalls(calls).at(-1)!.query.get('sort')).toBe('name'));
    const last = contactCalls(calls).at(-1)!;
    expect(Object.fromEntries(last.query)).toEqual({ q: 'ali', list_id: 'l-1', consent: 'opted_out', purpose: 'marketing', sort: 'name', limit: '50' });
  }, 20_000);

  it('loads the next page with the cursor', async () => {
    const user = userEvent.setup();
    const { calls } = api();
    renderWithProviders(<ContactsPage />, { route: '/contacts' });
    await user.click(await screen.findByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('Person c-03')).toBeInTheDocument();
    expect(contactCalls(calls).at(-1)!.query.get('cursor')).toBe('next-1');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('applies a bulk action to the selected ids', async () => {
    const user = userEvent.setup();
    const { calls } = api({ 'POST /api/v1/contacts/bulk-actions': () => json({ affected: 1 }) });
    renderWithProviders(<ContactsPage />, { route: '/contacts?tag=vip' });
    await user.click(await screen.findByRole('checkbox', { name: 'Select Person c-02' }));
    const bar = screen.getByRole('form', { name: 'Bulk actions' });
    expect(within(bar).getByTestId('bulk-count')).toHaveTextContent('1 selected');
    await user.type(within(bar).getByLabelText('Tag'), 'ramadan');
    await user.click(within(bar).getByRole('button', { name: 'Apply' }));
    expect(await screen.findByText('Done: 1 contact affected.')).toBeInTheDocument();
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ action: 'tag', ids: ['c-02'], tag: 'ramadan' });
  });

  it('applies a bulk action to every contact matching the filter, deleting only after confirmation', async () => {
    const user = userEvent.setup();
    const { calls } = api({
      'POST /api/v1/contacts/bulk-actions': () => json({ affected: 120 }),
      'GET /api/v1/contacts/count': () => json({ count: 120 }),
    });
    renderWithProviders(<ContactsPage />, { route: '/contacts?tag=vip&consent=opted_in' });
    await user.click(await screen.findByRole('checkbox', { name: 'Select all contacts on this page' }));
    await user.click(screen.getByRole('button', { name: 'Select all contacts matching the filter' }));
    const bar = screen.getByRole('form', { name: 'Bulk actions' });
    // how many the filter covers, asked of the server (the page shows only the first rows)
    expect(await within(bar).findByText('All 120 contacts matching the current filter')).toBeInTheDocument();
    const counted = calls.find((c) => c.method === 'GET' && c.path === '/api/v1/contacts/count')!;
    expect(Object.fromEntries(counted.query)).toEqual({ tag: 'vip', consent: 'opted_in', purpose: 'marketing' });
    await user.selectOptions(within(bar).getByLabelText('Action'), 'delete');
    await user.click(within(bar).getByRole('button', { name: 'Apply' }));
    const dialog = screen.getByRole('dialog');
    expect(dialog).toHaveTextContent('Delete 120 contacts?');
    expect(dialog).toHaveTextContent('The consent history and any suppression of the number stay');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Delete contacts' }));
    expect(await screen.findByText('Done: 120 contacts affected.')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ action: 'delete', filter: { tag: 'vip', consent: 'opted_in', purpose: 'marketing' } });
  }, 20_000);

  it('viewers see no selection, no bulk actions and no "New contact"', async () => {
    authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'viewer' });
    api();
    renderWithProviders(<ContactsPage />, { route: '/contacts' });
    expect(await screen.findByText('Person c-01')).toBeInTheDocument();
    expect(screen.queryByRole('checkbox')).toBeNull();
    expect(screen.queryByRole('button', { name: 'New contact' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Import' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeEnabled();
  });

  it('cannot export an empty list', async () => {
    api({ 'GET /api/v1/contacts': () => json({ items: [], next_cursor: null }) });
    renderWithProviders(<ContactsPage />, { route: '/contacts' });
    expect(await screen.findByText(/No contacts yet|no contacts/i)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeDisabled();
  });

  it('shows the duplicate-phone conflict with a link to the existing contact', async () => {
    const user = userEvent.setup();
    const { calls } = api({
      'GET /api/v1/contacts/fields': () => json({ items: [{ key: 'city', label: 'City', type: 'text' }] }),
      'POST /api/v1/contacts': () =>
        json({ type: 'about:blank', title: 'Conflict', status: 409, code: 'contacts.duplicate_phone', detail: 'A contact with +249912345678 already exists.', contact_id: 'c-77' }, 409),
    });
    renderWithProviders(<ContactsPage />, { route: '/contacts' });
    await user.click(await screen.findByRole('button', { name: 'New contact' }));
    const dialog = screen.getByRole('dialog');
    await user.type(within(dialog).getByLabelText('Phone number'), '0912345678');
    await user.type(within(dialog).getByLabelText('City'), 'Omdurman');
    await user.type(within(dialog).getByLabelText('Tags'), 'vip, new');
    await user.click(within(dialog).getByRole('button', { name: 'Create contact' }));
    // The phone field is marked invalid, says why, and takes the focus; the summary is translated.
    const phone = within(dialog).getByLabelText('Phone number');
    await waitFor(() => expect(phone).toHaveAccessibleDescription(/A contact with this phone number already exists\./));
    expect(phone).toHaveAttribute('aria-invalid', 'true');
    expect(phone).toHaveFocus();
    expect(within(dialog).getByRole('alert')).toHaveTextContent('Please correct the highlighted fields.');
    expect(within(dialog).getByRole('link', { name: 'Open the existing contact' })).toHaveAttribute('href', '/contacts/c-77');
    // Editing the number clears the stale error and its summary.
    await user.type(phone, '9');
    expect(phone).not.toHaveAttribute('aria-invalid');
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();
    expect(within(dialog).queryByRole('link', { name: 'Open the existing contact' })).not.toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ phone: '0912345678', tags: ['vip', 'new'], fields: { city: 'Omdurman' } });
  }, 20_000);

  it('shows an invalid phone on the phone field', async () => {
    const user = userEvent.setup();
    api({
      'GET /api/v1/contacts/fields': () => json({ items: [] }),
      'POST /api/v1/contacts': () => json({ status: 422, code: 'contacts.invalid_phone', detail: "'12' is not a phone number.", value: '12' }, 422),
    });
    renderWithProviders(<ContactsPage />, { route: '/contacts' });
    await user.click(await screen.findByRole('button', { name: 'New contact' }));
    const dialog = screen.getByRole('dialog');
    await user.type(within(dialog).getByLabelText('Phone number'), '123');
    await user.click(within(dialog).getByRole('button', { name: 'Create contact' }));
    await waitFor(() => expect(within(dialog).getByLabelText('Phone number')).toHaveAccessibleDescription(/12\u2069 is not a valid phone number\./));
  });

  it('shows a validation error translated on its field, never the server text (Arabic)', async () => {
    const user = userEvent.setup();
    api({
      'GET /api/v1/contacts/fields': () => json({ items: [] }),
      'POST /api/v1/contacts': () =>
        json(
          {
            status: 422,
            code: 'validation_error',
            detail: 'The request is not valid.',
            errors: [
              { loc: ['body', 'phone'], msg: 'String should have at least 3 characters' },
              { loc: ['body', 'language'], msg: 'Something pydantic says' },
            ],
          },
          422,
        ),
    });
    renderWithProviders(<ContactsPage />, { route: '/contacts', locale: 'ar' });
    await user.click(await screen.findByRole('button', { name: 'جهة اتصال جديدة' }));
    const dialog = screen.getByRole('dialog');
    await user.type(within(dialog).getByLabelText('رقم الهاتف'), '1');
    await user.click(within(dialog).getByRole('button', { name: 'إنشاء جهة الاتصال' }));
    const phone = within(dialog).getByLabelText('رقم الهاتف');
    await waitFor(() => expect(phone).toHaveAccessibleDescription(/أدخل 3 أحرف على الأقل\./));
    expect(phone).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getByLabelText('اللغة')).toHaveAccessibleDescription(/راجع هذا الحقل\./);
    expect(within(dialog).getByRole('alert')).toHaveTextContent('يرجى تصحيح الحقول المميّزة.');
    expect(dialog).not.toHaveTextContent(/String should|pydantic|phone:/);
  });
});
