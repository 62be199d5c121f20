import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';
import type { components } from '../../../api/schema';

export type Segment = components['schemas']['SegmentOut'];
const KEY = ['segments'] as const;

export const useSegments = () => useQuery({ queryKey: KEY, queryFn: () => unwrap(api.GET('/api/v1/segments')) });

/** How many contacts match the saved segment now. */
export const useSegmentCount = (id: string | null, version?: string) =>
  useQuery({
    queryKey: [...KEY, id, 'count', version],
    queryFn: () => unwrap(api.GET('/api/v1/segments/{segment_id}/count', { params: { path: { segment_id: id! } } })),
    enabled: Boolean(id),
  });

export function useSaveSegment() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, name, definition }: { id?: string; name: string; definition: SegmentDefinition }) =>
      id
        ? unwrap(api.PATCH('/api/v1/segments/{segment_id}', { params: { path: { segment_id: id } }, body: { name, definition } }))
        : unwrap(api.POST('/api/v1/segments', { body: { name, definition } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

export function useDeleteSegment() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/segments/{segment_id}', { params: { path: { segment_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

// ---------- The condition builder ----------
// The grammar (backend/qms/contacts/segments.py):
//   node      := {"all": [node, ...]} | {"any": [node, ...]} | {"not": node} | condition
//   condition := {"field": F, "op": OP, "value": V}
// The builder edits one level: conditions joined by all/any.

export type SegmentOp = 'eq' | 'neq' | 'in' | 'contains' | 'starts_with' | 'gt' | 'gte' | 'lt' | 'lte' | 'exists';
export type Condition = { field: string; op: SegmentOp; value: unknown };
export type SegmentDefinition = { [key: string]: unknown };
export type Join = 'all' | 'any';
export type BuilderRow = { id: string; field: string; op: SegmentOp; value: string };
export type Builder = { join: Join; rows: BuilderRow[] };
/** Custom field key -> type (text, number, date, boolean). */
export type FieldTypes = Record<string, string>;

export const BASE_FIELDS = ['tag', 'list', 'country', 'language', 'consent.marketing', 'consent.utility', 'created_at'] as const;
export const CONSENT_VALUES = ['opted_in', 'opted_out', 'none'] as const;

let nextId = 0;
export const rowId = () => `row-${++nextId}`;

export function newRow(field = 'tag'): BuilderRow {
  return { id: rowId(), field, op: 'eq', value: '' };
}

/** The kind of value a field takes. */
export function kindOf(field: string, types: FieldTypes): 'text' | 'number' | 'date' | 'boolean' | 'tag' | 'list' | 'consent' | 'timestamp' | 'country' {
  if (field === 'tag') return 'tag';
  if (field === 'list') return 'list';
  if (field === 'country') return 'country';
  if (field === 'created_at') return 'timestamp';
  if (field.startsWith('consent.')) return 'consent';
  if (field.startsWith('fields.')) {
    const type = types[field.slice('fields.'.length)];
    return type === 'number' || type === 'date' || type === 'boolean' ? type : 'text';
  }
  return 'text';
}

/** The operators offered for a field. */
export function opsFor(field: string, types: FieldTypes): SegmentOp[] {
  switch (kindOf(field, types)) {
    case 'tag':
      return ['eq', 'neq', 'in'];
    case 'list':
    case 'consent':
      return ['eq', 'neq'];
    case 'timestamp':
      return ['gte', 'lt'];
    case 'number':
      return ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'exists'];
    case 'date':
      return ['eq', 'gt', 'gte', 'lt', 'lte', 'exists'];
    case 'boolean':
      return ['eq', 'exists'];
    case 'country':
      return ['eq', 'neq', 'in', 'exists'];
    default:
      return field.startsWith('fields.') ? ['eq', 'neq', 'contains', 'starts_with', 'exists'] : ['eq', 'neq', 'in', 'exists'];
  }
}

const splitList = (value: string) =>
  value
    .split(/[,،]/)
    .map((v) => v.trim())
    .filter(Boolean);

/** A row's typed JSON value. */
export function rowValue(row: BuilderRow, types: FieldTypes): unknown {
  const kind = kindOf(row.field, types);
  if (row.op === 'exists') return true;
  if (row.op === 'in') {
    const values = splitList(row.value);
    return kind === 'country' ? values.map((v) => v.toUpperCase()) : values;
  }
  const text = row.value.trim();
  switch (kind) {
    case 'country':
      return text.toUpperCase();
    case 'number':
      return Number(text);
    case 'boolean':
      return text === 'true';
    case 'timestamp':
      // A day (YYYY-MM-DD) is the start of that day, UTC.
      return /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
    default:
      return text;
  }
}

/** A row needs a value unless its operator is `exists`; numbers must be numbers. */
export function rowError(row: BuilderRow, types: FieldTypes): 'required' | 'number' | null {
  if (row.op === 'exists') return null;
  if (!row.value.trim() || (row.op === 'in' && splitList(row.value).length === 0)) return 'required';
  if (kindOf(row.field, types) === 'number' && Number.isNaN(Number(row.value.trim()))) return 'number';
  return null;
}

/** The builder's segment definition in the documented JSON grammar ({} matches everyone). */
export function toDefinition(builder: Builder, types: FieldTypes): SegmentDefinition {
  if (builder.rows.length === 0) return {};
  return { [builder.join]: builder.rows.map((row): Condition => ({ field: row.field, op: row.op, value: rowValue(row, types) })) };
}

function isCondition(node: unknown): node is Condition {
  return typeof node === 'object' && node !== null && 'field' in node && 'op' in node && typeof (node as Condition).field === 'string';
}

function valueText(field: string, value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (value === null || value === undefined) return '';
  if (field === 'created_at' && typeof value === 'string') return value.slice(0, 10);
  return String(value);
}

/** Load a saved definition into the builder; null when it is nested deeper than the builder edits. */
export function fromDefinition(definition: SegmentDefinition): Builder | null {
  const keys = Object.keys(definition);
  if (keys.length === 0) return { join: 'all', rows: [] };
  if (isCondition(definition)) {
    return { join: 'all', rows: [{ id: rowId(), field: definition.field, op: definition.op, value: valueText(definition.field, definition.value) }] };
  }
  const join: Join | null = 'all' in definition ? 'all' : 'any' in definition ? 'any' : null;
  const children = join ? definition[join] : null;
  if (!join || keys.length !== 1 || !Array.isArray(children) || !children.every(isCondition)) return null;
  return {
    join,
    rows: children.map((c) => ({ id: rowId(), field: c.field, op: c.op, value: valueText(c.field, c.value) })),
  };
}
