import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';
import { downloadFile, withQuery } from '../../../api/download';
import type { components } from '../../../api/schema';

export type Contact = components['schemas']['ContactOut'];
export type ContactInput = components['schemas']['ContactIn'];
export type ContactUpdate = components['schemas']['ContactUpdate'];
export type FieldDefinition = components['schemas']['FieldDefinitionOut'];
export type ConsentState = 'opted_in' | 'opted_out' | 'none';
export type Purpose = 'marketing' | 'utility';

/** Every contacts query starts with this key. */
export const CONTACTS_KEY = ['contacts'] as const;

/** The filters of the contacts table (kept in the URL). Consent is the marketing consent. */
export type ContactFilter = { q?: string; tag?: string; list_id?: string; consent?: ConsentState };
export type ContactSort = 'newest' | 'name';

export const SORT_PARAM = { newest: '-created_at', name: 'name' } as const satisfies Record<ContactSort, string>;
const CONSENT_STATES: ConsentState[] = ['opted_in', 'opted_out', 'none'];

/** The filter as the API's query parameters (and the `filter` of a bulk action): no empty values. */
export function filterParams(filter: ContactFilter): components['schemas']['ContactFilter'] {
  const out: components['schemas']['ContactFilter'] = {};
  const q = filter.q?.trim();
  const tag = filter.tag?.trim();
  if (q) out.q = q;
  if (tag) out.tag = tag;
  if (filter.list_id) out.list_id = filter.list_id;
  if (filter.consent) {
    out.consent = filter.consent;
    out.purpose = 'marketing';
  }
  return out;
}

export function isFiltered(filter: ContactFilter): boolean {
  return Object.keys(filterParams(filter)).length > 0;
}

/** Read the table's filter and sort from the URL. */
export function readFilter(params: URLSearchParams): { filter: ContactFilter; sort: ContactSort } {
  const consent = params.get('consent');
  return {
    filter: {
      q: params.get('q') ?? undefined,
      tag: params.get('tag') ?? undefined,
      list_id: params.get('list_id') ?? undefined,
      consent: CONSENT_STATES.includes(consent as ConsentState) ? (consent as ConsentState) : undefined,
    },
    sort: params.get('sort') === 'name' ? 'name' : 'newest',
  };
}

/** The URL search params for a filter and sort (the default sort is left out). */
export function writeFilter(filter: ContactFilter, sort: ContactSort): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filterParams(filter))) {
    if (key !== 'purpose' && value) params.set(key, String(value));
  }
  if (sort !== 'newest') params.set('sort', sort);
  return params;
}

const PAGE_SIZE = 50;

export const getContacts = (filter: ContactFilter, sort: ContactSort, cursor?: string) =>
  unwrap(
    api.GET('/api/v1/contacts', {
      params: { query: { ...filterParams(filter), sort: SORT_PARAM[sort], limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
    }),
  );

export function useContacts(filter: ContactFilter, sort: ContactSort) {
  const params = filterParams(filter);
  return useInfiniteQuery({
    queryKey: [...CONTACTS_KEY, 'list', params, sort],
    queryFn: ({ pageParam }) => getContacts(filter, sort, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** How many contacts match the filter: what an action on "all matching" covers. */
export function useContactCount(filter: ContactFilter, enabled: boolean) {
  const params = filterParams(filter);
  return useQuery({
    queryKey: [...CONTACTS_KEY, 'count', params],
    queryFn: () => unwrap(api.GET('/api/v1/contacts/count', { params: { query: params } })),
    enabled,
  });
}

export const useContact = (id: string) =>
  useQuery({
    queryKey: [...CONTACTS_KEY, 'detail', id],
    queryFn: () => unwrap(api.GET('/api/v1/contacts/{contact_id}', { params: { path: { contact_id: id } } })),
  });

export function useCreateContact() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ContactInput) => unwrap(api.POST('/api/v1/contacts', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: CONTACTS_KEY }),
  });
}

export function useUpdateContact(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ContactUpdate) =>
      unwrap(api.PATCH('/api/v1/contacts/{contact_id}', { params: { path: { contact_id: id } }, body })),
    onSuccess: (contact) => {
      queryClient.setQueryData([...CONTACTS_KEY, 'detail', id], contact);
      void queryClient.invalidateQueries({ queryKey: [...CONTACTS_KEY, 'list'] });
    },
  });
}

export function useDeleteContact() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/contacts/{contact_id}', { params: { path: { contact_id: id } } })),
    onSuccess: (_, id) => {
      queryClient.removeQueries({ queryKey: [...CONTACTS_KEY, 'detail', id] });
      void queryClient.invalidateQueries({ queryKey: CONTACTS_KEY });
      void queryClient.invalidateQueries({ queryKey: ['lists'] });
    },
  });
}

export type BulkAction = 'tag' | 'untag' | 'add_to_list' | 'remove_from_list' | 'delete';
/** Either the selected rows or every contact matching the table's current filter. */
export type Selection = { kind: 'ids'; ids: string[] } | { kind: 'filter'; filter: ContactFilter };

export function bulkActionBody(
  action: BulkAction,
  selection: Selection,
  target: { tag?: string; list_id?: string } = {},
): components['schemas']['BulkActionIn'] {
  const body: components['schemas']['BulkActionIn'] = { action };
  if (selection.kind === 'ids') body.ids = selection.ids;
  else body.filter = filterParams(selection.filter);
  if (action === 'tag' || action === 'untag') body.tag = target.tag?.trim();
  if (action === 'add_to_list' || action === 'remove_from_list') body.list_id = target.list_id;
  return body;
}

export function useBulkAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: components['schemas']['BulkActionIn']) => unwrap(api.POST('/api/v1/contacts/bulk-actions', { body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: CONTACTS_KEY });
      void queryClient.invalidateQueries({ queryKey: ['lists'] });
    },
  });
}

/** CSV of every contact matching the filter. */
export const exportContacts = (filter: ContactFilter) =>
  downloadFile(withQuery('/api/v1/contacts/export', filterParams(filter)), 'contacts.csv');

export const useContactFields = () =>
  useQuery({ queryKey: [...CONTACTS_KEY, 'fields'], queryFn: () => unwrap(api.GET('/api/v1/contacts/fields')), staleTime: 60_000 });

export function useCreateField() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: components['schemas']['FieldDefinitionIn']) => unwrap(api.POST('/api/v1/contacts/fields', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...CONTACTS_KEY, 'fields'] }),
  });
}

export function useDeleteField() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => unwrap(api.DELETE('/api/v1/contacts/fields/{key}', { params: { path: { key } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...CONTACTS_KEY, 'fields'] }),
  });
}

/** "vip, new ,vip" -> ["vip", "new"]. */
export function splitTags(value: string): string[] {
  return [...new Set(value.split(/[,،;\n]+/).map((t) => t.trim()).filter(Boolean))];
}

/** A custom field's form value (always a string in inputs) to its typed JSON value. */
export function typedFieldValue(type: string, raw: string | boolean): unknown {
  if (type === 'boolean') return raw === true || raw === 'true';
  const text = String(raw).trim();
  if (text === '') return undefined;
  if (type === 'number') return Number(text);
  return text;
}

export function fieldInputValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

// ---------- Consent ----------

export type ConsentHistory = components['schemas']['ConsentHistoryOut'];
export type ConsentEvent = components['schemas']['ConsentEventOut'];
export type ConsentInput = components['schemas']['ConsentIn'];

export const useConsentHistory = (id: string) =>
  useQuery({
    queryKey: [...CONTACTS_KEY, 'consent', id],
    queryFn: () => unwrap(api.GET('/api/v1/contacts/{contact_id}/consent', { params: { path: { contact_id: id } } })),
  });

export function useRecordConsent(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ConsentInput) =>
      unwrap(api.POST('/api/v1/contacts/{contact_id}/consent', { params: { path: { contact_id: id } }, body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: [...CONTACTS_KEY, 'consent', id] });
      void queryClient.invalidateQueries({ queryKey: [...CONTACTS_KEY, 'detail', id] });
      void queryClient.invalidateQueries({ queryKey: [...CONTACTS_KEY, 'list'] });
      void queryClient.invalidateQueries({ queryKey: ['suppressions'] });
    },
  });
}

export const exportConsent = (id: string, format: 'json' | 'csv') =>
  downloadFile(withQuery(`/api/v1/contacts/${encodeURIComponent(id)}/consent/export`, { format }), `consent-${id}.${format}`);

/**
 * The lists a contact belongs to. The API has no "lists of a contact" endpoint, so each list is
 * asked whether the contact (found by its number) is a member.
 */
export function useContactLists(contact: Contact | undefined, lists: { id: string }[] | undefined) {
  const digits = contact?.phone?.replace(/\D/g, '') ?? '';
  return useQuery({
    queryKey: [...CONTACTS_KEY, 'memberships', contact?.id, lists?.map((l) => l.id)],
    enabled: Boolean(contact && lists && digits.length >= 3),
    queryFn: async () => {
      const found = await Promise.all(
        (lists ?? []).slice(0, 100).map(async (l) => {
          const page = await unwrap(api.GET('/api/v1/contacts', { params: { query: { list_id: l.id, q: digits, limit: 50 } } }));
          return page.items.some((c) => c.id === contact!.id) ? l.id : null;
        }),
      );
      return found.filter((id): id is string => id !== null);
    },
  });
}
