import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, unwrap } from '../../../api/client';
import { downloadFile, uploadForm } from '../../../api/download';
import type { components } from '../../../api/schema';
import type { Purpose } from './contacts';

export type ImportOut = components['schemas']['ImportOut'];
export type ImportStatus = ImportOut['status'];
export type OnDuplicate = 'update' | 'skip';
export type ConsentMode = 'column' | 'file' | 'none';
export type ImportStart = components['schemas']['ImportStartIn'];

const BASE = '/api/v1/contacts/imports';
const KEY = ['imports'] as const;

export const useImports = () => useQuery({ queryKey: KEY, queryFn: () => unwrap(api.GET('/api/v1/contacts/imports')) });

export const isActive = (status: ImportStatus | undefined) => status === 'queued' || status === 'running';

/** One import; polled every second while it is queued or running. */
export function useImport(id: string | null) {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: [...KEY, id],
    queryFn: () => unwrap(api.GET('/api/v1/contacts/imports/{import_id}', { params: { path: { import_id: id! } } })),
    enabled: Boolean(id),
    refetchInterval: (q) => (isActive(q.state.data?.status) ? 1000 : false),
  });
  const status = query.data?.status;
  // Once it has finished, the contacts, lists and past imports have changed.
  useEffect(() => {
    if (status === 'completed' || status === 'failed') {
      void queryClient.invalidateQueries({ queryKey: ['contacts'] });
      void queryClient.invalidateQueries({ queryKey: ['lists'] });
      void queryClient.invalidateQueries({ queryKey: ['suppressions'] });
      void queryClient.invalidateQueries({ queryKey: KEY, exact: true });
    }
  }, [status, queryClient]);
  return query;
}

/**
 * Upload the file (multipart `file`) with progress (through XMLHttpRequest: the typed client
 * cannot report upload progress). The API answers with its encoding, headers and first rows.
 */
export function useUploadImport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ file, onProgress }: { file: File; onProgress?: (loaded: number, total: number) => void }) => {
      const form = new FormData();
      form.append('file', file, file.name);
      return uploadForm<ImportOut>(BASE, form, onProgress);
    },
    onSuccess: (created) => {
      queryClient.setQueryData([...KEY, created.id], created);
      void queryClient.invalidateQueries({ queryKey: KEY, exact: true });
    },
  });
}

export function useStartImport(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ImportStart) =>
      unwrap(api.POST('/api/v1/contacts/imports/{import_id}/start', { params: { path: { import_id: id } }, body })),
    onSuccess: (started) => {
      queryClient.setQueryData([...KEY, id], started);
      void queryClient.invalidateQueries({ queryKey: [...KEY, id] });
      void queryClient.invalidateQueries({ queryKey: KEY, exact: true });
    },
  });
}

/** The per-row error report (CSV: line, reason). */
export const downloadErrorReport = (id: string) => downloadFile(`${BASE}/${encodeURIComponent(id)}/errors`, `import-${id}-errors.csv`);

// ---------- Mapping and consent (pure) ----------

export const BASE_TARGETS = ['phone', 'name', 'language', 'country', 'tags'] as const;

const GUESSES: Record<string, RegExp> = {
  phone: /^(phone|mobile|msisdn|number|tel|telephone|whatsapp|cell|phone.?number|mobile.?number|الهاتف|هاتف|الجوال|جوال|رقم.*|الموبايل|موبايل)$/i,
  name: /^(name|full.?name|contact.?name|customer|الاسم|اسم|الاسم الكامل)$/i,
  language: /^(language|lang|locale|اللغة|لغة)$/i,
  country: /^(country|country.?code|الدولة|دولة|البلد)$/i,
  tags: /^(tags?|labels?|الوسوم|وسوم)$/i,
};

/** A first guess of the mapping from the file's headers (custom fields by key or label). */
export function guessMapping(headers: string[], fields: { key: string; label: string }[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  const used = new Set<string>();
  const take = (target: string, match: (h: string) => boolean) => {
    const header = headers.find((h) => !used.has(h) && match(h.trim()));
    if (header !== undefined) {
      mapping[target] = header;
      used.add(header);
    }
  };
  for (const target of BASE_TARGETS) take(target, (h) => GUESSES[target]!.test(h));
  for (const f of fields) take(`fields.${f.key}`, (h) => h.toLowerCase() === f.key || h.toLowerCase() === f.label.toLowerCase());
  return mapping;
}

export const CONSENT_COLUMN_GUESS = /consent|opt.?in|opted|subscribed|marketing|موافق|الاشتراك/i;
// The API's defaults (backend/qms/imports/normalise.py), shown so that they can be edited.
export const DEFAULT_OPTED_IN = ['yes', 'y', '1', 'true', 'opted_in', 'opted in', 'opt-in', 'subscribed', 'نعم'];
export const DEFAULT_OPTED_OUT = ['no', 'n', '0', 'false', 'opted_out', 'opted out', 'opt-out', 'unsubscribed', 'لا'];

export type ConsentDraft = {
  mode: ConsentMode;
  purpose: Purpose;
  column: string;
  evidence: string;
  optedIn: string;
  optedOut: string;
};

export type MappingErrors = { phone?: 'required'; column?: 'required'; values?: 'required' | 'overlap'; evidence?: 'required' };

const splitValues = (v: string) => [...new Set(v.split(/[,،\n]/).map((x) => x.trim()).filter(Boolean))];

/**
 * Problems that stop the import from starting: the phone column is required; recording consent
 * (per row or for the file) needs its evidence; a value cannot mean both opted in and out.
 */
export function validateImport(mapping: Record<string, string>, consent: ConsentDraft): MappingErrors {
  const errors: MappingErrors = {};
  if (!mapping.phone) errors.phone = 'required';
  if (consent.mode === 'column') {
    if (!consent.column) errors.column = 'required';
    const optedIn = splitValues(consent.optedIn).map((v) => v.toLowerCase());
    const optedOut = splitValues(consent.optedOut).map((v) => v.toLowerCase());
    if (optedIn.length === 0 && optedOut.length === 0) errors.values = 'required';
    else if (optedIn.some((v) => optedOut.includes(v))) errors.values = 'overlap';
  }
  if (consent.mode !== 'none' && consent.evidence.trim().length < 3) errors.evidence = 'required';
  return errors;
}

/** The body of `POST /contacts/imports/{id}/start`: only mapped targets, consent by mode. */
export function buildStartBody(mapping: Record<string, string>, consent: ConsentDraft, onDuplicate: OnDuplicate): ImportStart {
  const cleaned: Record<string, string> = {};
  for (const [target, header] of Object.entries(mapping)) if (header) cleaned[target] = header;
  const body: ImportStart['consent'] = { mode: consent.mode, purpose: consent.purpose };
  const evidence = consent.evidence.trim();
  if (consent.mode === 'column') {
    body.column = consent.column;
    body.opted_in_values = splitValues(consent.optedIn);
    body.opted_out_values = splitValues(consent.optedOut);
    if (evidence) body.evidence = evidence;
  } else if (consent.mode === 'file') {
    body.evidence = evidence;
  }
  return { mapping: cleaned, consent: body, on_duplicate: onDuplicate };
}

/** The distinct values of a column in the preview rows (to help pick the opted-in / out values). */
export function columnValues(headers: string[], preview: string[][], column: string): string[] {
  const index = headers.indexOf(column);
  if (index < 0) return [];
  return [...new Set(preview.map((row) => (row[index] ?? '').trim()).filter(Boolean))].slice(0, 12);
}

export function formatBytes(bytes: number, locale: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  const intlUnits = ['byte', 'kilobyte', 'megabyte', 'gigabyte'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = { maximumFractionDigits: unit === 0 ? 0 : 1 };
  if (!locale.startsWith('en')) {
    // The locale's own units (Arabic: بايت، كيلوبايت، ...), in the locale's direction.
    return new Intl.NumberFormat(locale, { style: 'unit', unit: intlUnits[unit], unitDisplay: 'short', ...digits }).format(value);
  }
  return `${new Intl.NumberFormat(locale, digits).format(value)} ${units[unit]}`;
}
