import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { fromDefinition, toDefinition, type Builder } from '../api/segments';
import { SegmentsPage } from './segments-page';

const types = { city: 'text', spend: 'number', vip: 'boolean', birthday: 'date' };

describe('segment definitions (pure)', () => {
  it('produce the documented grammar with typed values', () => {
    const builder: Builder = {
      join: 'any',
      rows: [
        { id: '1', field: 'tag', op: 'in', value: 'vip, gold ,' },
        { id: '2', field: 'country', op: 'eq', value: 'sd' },
        { id: '3', field: 'consent.marketing', op: 'eq', value: 'opted_in' },
        { id: '4', field: 'created_at', op: 'gte', value: '2026-01-01' },
        { id: '5', field: 'fields.spend', op: 'gt', value: '100.5' },
        { id: '6', field: 'fields.vip', op: 'eq', value: 'true' },
        { id: '7', field: 'language', op: 'exists', value: '' },
        { id: '8', field: 'list', op: 'neq', value: 'l-1' },
      ],
    };
    expect(toDefinition(builder, types)).toEqual({
      any: [
        { field: 'tag', op: 'in', value: ['vip', 'gold'] },
        { field: 'country', op: 'eq', value: 'SD' },
        { field: 'consent.marketing', op: 'eq', value: 'opted_in' },
        { field: 'created_at', op: 'gte', value: '2026-01-01T00:00:00Z' },
        { field: 'fields.spend', op: 'gt', value: 100.5 },
        { field: 'fields.vip', op: 'eq', value: true },
        { field: 'language', op: 'exists', value: true },
        { field: 'list', op: 'neq', value: 'l-1' },
      ],
    });
    expect(toDefinition({ join: 'all', rows: [] }, types)).toEqual({});
  });

  it('load back into the builder, unless nested', () => {
    const loaded = fromDefinition({ all: [{ field: 'tag', op: 'in', value: ['a', 'b'] }, { field: 'created_at', op: 'lt', value: '2026-02-01T00:00:00Z' }] })!;
    expect(loaded.join).toBe('all');
    expect(loaded.rows.map(({ field, op, value }) => ({ field, op, value }))).toEqual([
      { field: 'tag', op: 'in', value: 'a, b' },
      { field: 'created_at', op: 'lt', value: '2026-02-01' },
    ]);
    expect(fromDefinition({ field: 'tag', op: 'eq', value: 'x' })!.rows).toHaveLength(1);
    expect(fromDefinition({ all: [{ any: [{ field: 'tag', op: 'eq', value: 'x' }] }] })).toBeNull();
    expect(fromDefinition({ not: { field: 'tag', op: 'eq', value: 'x' } })).toBeNull();
  });
});

describe('Segments page', () => {
  beforeEach(() => authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'marketer' }));
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('builds a segment, saves the documented JSON, then shows how many contacts match', async () => {
    const user = userEvent.setup();
    let saved: unknown = null;
    const { calls } = mockApi({
      'GET /api/v1/segments': () => json({ items: saved ? [saved] : [] }),
      'GET /api/v1/contacts/fields': () => json({ items: [{ key: 'spend', label: 'Total spend', type: 'number' }] }),
      'GET /api/v1/lists': () => json({ items: [{ id: 'l-1', name: 'Ramadan', description: null, members: 4, created_at: '2026-11-01T00:00:00Z' }] }),
      'POST /api/v1/segments': (call) => {
        saved = { id: 's-1', created_at: '2026-11-28T10:00:00Z', ...(call.body as object) };
        return json(saved, 201);
      },
      'GET /api/v1/segments/s-1/count': () => json({ count: 42 }),
    });
    renderWithProviders(<SegmentsPage />);
    expect(await screen.findByText('No segments yet.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'New segment' }));
    const editor = screen.getByRole('form', { name: 'Segment' });
    await user.type(within(editor).getByLabelText('Name'), 'Big spenders in Ramadan');
    await user.selectOptions(within(editor).getByLabelText('Match'), 'all');

    await user.click(within(editor).getByRole('button', { name: 'Add condition' }));
    await user.selectOptions(within(editor).getByLabelText('Field 1'), 'list');
    await user.selectOptions(within(editor).getByLabelText('Value 1'), 'l-1');

    await user.click(within(editor).getByRole('button', { name: 'Add condition' }));
    await waitFor(() => expect(within(editor).getAllByRole('option', { name: 'Total spend' })).toHaveLength(2));
    await user.selectOptions(within(editor).getByLabelText('Field 2'), 'fields.spend');
    await user.selectOptions(within(editor).getByLabelText('Condition 2'), 'gte');
    await user.type(within(editor).getByLabelText('Value 2'), '500');

    await user.click(within(editor).getByRole('button', { name: 'Add condition' }));
    await user.selectOptions(within(editor).getByLabelText('Field 3'), 'consent.marketing');
    // A condition without a value is not saved.
    await user.click(within(editor).getByRole('button', { name: 'Save segment' }));
    expect(within(editor).getByText('This field is required.')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    await user.selectOptions(within(editor).getByLabelText('Value 3'), 'opted_in');

    await user.click(within(editor).getByRole('button', { name: 'Save segment' }));
    expect(await within(editor).findByText('42 contacts match')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      name: 'Big spenders in Ramadan',
      definition: {
        all: [
          { field: 'list', op: 'eq', value: 'l-1' },
          { field: 'fields.spend', op: 'gte', value: 500 },
          { field: 'consent.marketing', op: 'eq', value: 'opted_in' },
        ],
      },
    });
    // The list shows the saved segment with its count.
    const table = await screen.findByTestId('segments-table');
    expect(within(table).getByText('Big spenders in Ramadan')).toBeInTheDocument();
    expect(within(table).getByText('3 conditions')).toBeInTheDocument();
  }, 20_000);
});
