import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import type { ImportOut } from '../api/imports';
import { ImportWizardPage } from './import-wizard';

function item(overrides: Partial<ImportOut> = {}): ImportOut {
  return {
    id: 'imp-1',
    status: 'running',
    file_name: 'customers.csv',
    size_bytes: 184,
    file_type: 'csv',
    encoding: 'utf-8',
    headers: ['phone', 'name'],
    preview: [['0911000001', 'Amna']],
    total_rows: 5,
    processed_rows: 2,
    created: 2,
    updated: 0,
    skipped: 0,
    duplicates_in_file: 0,
    errors: 0,
    on_duplicate: 'update',
    consent_mode: 'column',
    created_at: '2026-11-28T10:00:00Z',
    started_at: '2026-11-28T10:00:01Z',
    finished_at: null,
    error: null,
    ...overrides,
  };
}

describe('Import wizard: progress and result', () => {
  beforeEach(() => authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'marketer' }));
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('polls while running, then shows the counts and downloads the error report', async () => {
    const user = userEvent.setup();
    let polls = 0;
    const { calls } = mockApi({
      'GET /api/v1/contacts/imports/imp-1': () => {
        polls += 1;
        return json(polls < 2 ? item() : item({ status: 'completed', processed_rows: 5, created: 4, errors: 1, finished_at: '2026-11-28T10:00:03Z' }));
      },
      'GET /api/v1/contacts/imports/imp-1/errors': () =>
        new Response('line,reason,value\n5,not a phone number,12\n', {
          headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="import-imp-1-errors.csv"' },
        }),
    });
    renderWithProviders(<ImportWizardPage />, { route: '/contacts/import?id=imp-1' });
    expect(await screen.findByText('2 of 5 rows processed')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Import progress' })).toHaveAttribute('aria-valuenow', '2');
    expect(screen.getByRole('list', { name: 'Import steps' }).querySelector('[aria-current="step"]')).toHaveTextContent('Import');

    expect(await screen.findByRole('heading', { name: 'Import completed' }, { timeout: 5000 })).toBeInTheDocument();
    expect(within(screen.getByTestId('import-created')).getByText('4')).toBeInTheDocument();
    expect(within(screen.getByTestId('import-errors')).getByText('1')).toBeInTheDocument();
    expect(screen.getByText(/1 row could not be imported/)).toBeInTheDocument();

    // The file is handed to the browser through a Blob and a download link.
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    await user.click(screen.getByRole('button', { name: 'Download error report' }));
    await waitFor(() => expect(click).toHaveBeenCalled());
    expect((click.mock.contexts[0] as HTMLAnchorElement).download).toBe('import-imp-1-errors.csv');
    click.mockRestore();
    const download = calls.find((c) => c.path.endsWith('/errors'))!;
    expect(download.headers.get('Authorization')).toBe('Bearer access-1');
    expect(screen.getByRole('link', { name: 'View contacts' })).toHaveAttribute('href', '/contacts');
  }, 20_000);

  it('shows why an import failed', async () => {
    mockApi({ 'GET /api/v1/contacts/imports/imp-1': () => json(item({ status: 'failed', error: 'The file could not be read.' })) });
    renderWithProviders(<ImportWizardPage />, { route: '/contacts/import?id=imp-1' });
    expect(await screen.findByRole('heading', { name: 'Import failed' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('The file could not be read.');
  });

  it('lists past imports on the first step', async () => {
    mockApi({
      'GET /api/v1/contacts/imports': () => json({ items: [item({ status: 'completed', created: 4, errors: 1 }), item({ id: 'imp-2', status: 'uploaded', file_name: 'new.xlsx' })] }),
    });
    renderWithProviders(<ImportWizardPage />, { route: '/contacts/import' });
    const table = await screen.findByTestId('imports-table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('customers.csv');
    expect(rows[0]).toHaveTextContent('Completed');
    expect(rows[0]).toHaveTextContent('4 created · 0 updated · 1 errors');
    expect(within(rows[0]!).getByRole('button', { name: 'View' })).toBeInTheDocument();
    expect(within(rows[1]!).getByRole('button', { name: 'Continue' })).toBeInTheDocument();
  });
});
