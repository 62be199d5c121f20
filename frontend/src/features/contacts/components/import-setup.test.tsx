import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { buildStartBody, formatBytes, guessMapping, validateImport, type ConsentDraft, type ImportOut } from '../api/imports';
import { ImportSetup, type SetupStep } from './import-setup';

function upload(overrides: Partial<ImportOut> = {}): ImportOut {
  return {
    id: 'imp-1',
    status: 'uploaded',
    file_name: 'customers.csv',
    size_bytes: 2048,
    file_type: 'csv',
    encoding: 'windows-1256',
    headers: ['Mobile', 'Full name', 'City', 'Subscribed', 'Notes'],
    preview: [
      ['0912345678', 'Ali', 'Khartoum', 'yes', ''],
      ['0912345679', 'سارة', 'Omdurman', 'no', 'vip'],
    ],
    total_rows: null,
    processed_rows: 0,
    created: 0,
    updated: 0,
    skipped: 0,
    duplicates_in_file: 0,
    errors: 0,
    on_duplicate: null,
    consent_mode: null,
    created_at: '2026-11-28T10:00:00Z',
    started_at: null,
    finished_at: null,
    error: null,
    ...overrides,
  };
}

const consent = (overrides: Partial<ConsentDraft> = {}): ConsentDraft => ({ mode: 'none', purpose: 'marketing', column: '', evidence: '', optedIn: '', optedOut: '', ...overrides });

describe('import mapping (pure)', () => {
  it('guesses columns from common English and Arabic headers', () => {
    expect(guessMapping(['رقم الجوال', 'الاسم', 'city'], [{ key: 'city', label: 'City' }])).toEqual({ phone: 'رقم الجوال', name: 'الاسم', 'fields.city': 'city' });
  });

  it('requires the phone column, the consent column and file-level evidence', () => {
    expect(validateImport({}, consent())).toEqual({ phone: 'required' });
    expect(validateImport({ phone: 'Mobile' }, consent({ mode: 'column', optedIn: 'yes', evidence: 'The form' }))).toEqual({ column: 'required' });
    expect(validateImport({ phone: 'Mobile' }, consent({ mode: 'column', column: 'c', optedIn: 'yes' }))).toEqual({ evidence: 'required' });
    expect(validateImport({ phone: 'Mobile' }, consent({ mode: 'column', column: 'c', optedIn: 'Yes, y', optedOut: 'no, YES', evidence: 'The form' }))).toEqual({ values: 'overlap' });
    expect(validateImport({ phone: 'Mobile' }, consent({ mode: 'file', evidence: ' ' }))).toEqual({ evidence: 'required' });
    expect(validateImport({ phone: 'Mobile' }, consent({ mode: 'file', evidence: 'Signed the paper form at the shop' }))).toEqual({});
  });

  it('builds the start body by consent mode, leaving out unmapped targets', () => {
    expect(buildStartBody({ phone: 'Mobile', name: '', 'fields.city': 'City' }, consent({ mode: 'file', evidence: ' The form ', column: 'x' }), 'skip')).toEqual({
      mapping: { phone: 'Mobile', 'fields.city': 'City' },
      consent: { mode: 'file', purpose: 'marketing', evidence: 'The form' },
      on_duplicate: 'skip',
    });
    expect(buildStartBody({ phone: 'Mobile' }, consent({ mode: 'column', column: 'Subscribed', optedIn: 'yes, Y ,yes', optedOut: 'no' }), 'update').consent).toEqual({
      mode: 'column',
      purpose: 'marketing',
      column: 'Subscribed',
      opted_in_values: ['yes', 'Y'],
      opted_out_values: ['no'],
    });
    expect(buildStartBody({ phone: 'Mobile' }, consent({ mode: 'none', evidence: 'ignored' }), 'update').consent).toEqual({ mode: 'none', purpose: 'marketing' });
  });
});

function Harness({ item }: { item: ImportOut }) {
  const [step, setStep] = useState<SetupStep>('map');
  return <ImportSetup item={item} step={step} onStep={setStep} />;
}

describe('Import wizard: mapping and consent', () => {
  beforeEach(() => authStore.setSession({ access_token: 'access-1', workspace_id: 'w1', role: 'marketer' }));
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('shows the preview, requires the phone column, and starts with the mapping and consent', async () => {
    const user = userEvent.setup();
    const { calls } = mockApi({
      'GET /api/v1/contacts/fields': () => json({ items: [{ key: 'city', label: 'City', type: 'text' }] }),
      'POST /api/v1/contacts/imports/imp-1/start': () => json({ ...upload(), status: 'queued' }, 202),
    });
    renderWithProviders(<Harness item={upload({ headers: ['Number', 'Full name', 'City', 'Subscribed', 'Notes'] })} />);
    expect(screen.getByTestId('import-encoding')).toHaveTextContent('WINDOWS-1256');
    expect(within(screen.getByTestId('import-preview')).getAllByRole('row')).toHaveLength(3);
    expect(screen.getByText('سارة')).toBeInTheDocument();

    const mapping = screen.getByRole('form', { name: 'Map columns' });
    // "Number" is guessed as the phone column, "City" as the custom field; clear the phone to see the rule.
    const phone = within(mapping).getByLabelText(/^Phone number/);
    expect(phone).toHaveValue('Number');
    await waitFor(() => expect(within(mapping).getByLabelText('City')).toHaveValue('City'));
    await user.selectOptions(phone, '');
    await user.click(within(mapping).getByRole('button', { name: 'Continue' }));
    expect(within(mapping).getByText('Choose the column with the phone numbers.')).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Consent evidence' })).toBeNull();

    await user.selectOptions(phone, 'Number');
    await user.selectOptions(within(mapping).getByLabelText('Name'), 'Full name');
    await user.selectOptions(within(mapping).getByLabelText('Tags'), 'Notes');
    await user.click(within(mapping).getByRole('button', { name: 'Continue' }));

    const form = await screen.findByRole('form', { name: 'Consent evidence' });
    // The consent column is guessed; its values in the preview are shown.
    expect(within(form).getByLabelText('Consent column')).toHaveValue('Subscribed');
    expect(within(form).getByText('Values in the first rows:')).toBeInTheDocument();
    await user.click(within(form).getByLabelText(/All of them opted in the same way/));
    await user.click(within(form).getByRole('button', { name: 'Start import' }));
    expect(within(form).getByText('Describe what these people were shown when they opted in.')).toBeInTheDocument();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await user.type(within(form).getByLabelText('What were these people shown when they opted in?'), 'The paper sign-up form at the shop counter');
    await user.click(within(form).getByLabelText(/Skip the row/));
    await user.click(within(form).getByRole('button', { name: 'Start import' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.headers.get('Authorization')).toBe('Bearer access-1');
    expect(post.body).toEqual({
      mapping: { phone: 'Number', name: 'Full name', tags: 'Notes', 'fields.city': 'City' },
      consent: { mode: 'file', purpose: 'marketing', evidence: 'The paper sign-up form at the shop counter' },
      on_duplicate: 'skip',
    });
  }, 20_000);

  it('warns that contacts without consent cannot be messaged for marketing', async () => {
    const user = userEvent.setup();
    mockApi({ 'GET /api/v1/contacts/fields': () => json({ items: [] }) });
    renderWithProviders(<Harness item={upload()} />);
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    await user.click(screen.getByLabelText(/No consent information/));
    expect(screen.getByText('Contacts imported without consent cannot be messaged for marketing until they opt in.')).toBeInTheDocument();
  });

  it('shows the API error of a refused start', async () => {
    const user = userEvent.setup();
    mockApi({
      'GET /api/v1/contacts/fields': () => json({ items: [] }),
      'POST /api/v1/contacts/imports/imp-1/start': () => json({ status: 409, code: 'imports.already_started', detail: 'Already started.' }, 409),
    });
    renderWithProviders(<Harness item={upload()} />);
    await user.click(screen.getByRole('button', { name: 'Continue' }));
    await user.click(screen.getByLabelText(/No consent information/));
    await user.click(screen.getByRole('button', { name: 'Start import' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This import has already started.');
  });
});

describe('formatBytes', () => {
  it('uses the locale units: Arabic units in Arabic', () => {
    expect(formatBytes(13_000, 'en')).toBe('12.7 KB');
    expect(formatBytes(500, 'en')).toBe('500 B');
    const ar = formatBytes(13_000, 'ar');
    expect(ar).toContain('كيلوبايت');
    expect(ar).not.toContain('KB');
    expect(formatBytes(3 * 1024 * 1024, 'ar')).not.toMatch(/MB/);
  });
});
