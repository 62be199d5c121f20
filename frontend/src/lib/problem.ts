import { hasMessage, type MessageKey, type Translate } from './i18n';

export type ProblemFieldError = { loc: (string | number)[]; msg: string };

export type Problem = {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: ProblemFieldError[];
  /** Extension members some codes carry (e.g. `value`, `field`, `keyword`). */
  [member: string]: unknown;
};

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly retryAfter: number | null;

  constructor(status: number, problem: Problem, retryAfter: number | null = null) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get code(): string | undefined {
    return this.problem.code;
  }
}

export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === 'object' &&
    value !== null &&
    ('code' in value || 'detail' in value || 'title' in value)
  );
}

export function toApiError(status: number, body: unknown, headers?: Headers): ApiError {
  const problem: Problem = isProblem(body) ? body : { status };
  const retry = headers?.get('Retry-After');
  const retryAfter = retry && /^\d+$/.test(retry) ? Number(retry) : null;
  return new ApiError(status, problem, retryAfter);
}

export function errorCode(error: unknown): string | undefined {
  return error instanceof ApiError ? error.code : undefined;
}

/** The field name of a validation error location: ["body", "email"] -> "email". */
export function fieldOf(loc: (string | number)[]): string {
  const parts = loc.filter((p) => p !== 'body' && p !== 'query' && p !== 'path');
  return parts.map(String).join('.');
}

/** Wrap a value from the request in a first-strong isolate, so an LTR phone number or an Arabic
 * keyword keeps its own direction inside the sentence around it. */
export function isolate(value: string): string {
  return `\u2068${value}\u2069`;
}

/**
 * Codes whose message names an extension member of the problem: the variant key is used when the
 * member is present (a string), the plain `error.<code>` otherwise.
 */
const NAMED: Record<string, { member: string; key: MessageKey }> = {
  'contacts.invalid_phone': { member: 'value', key: 'error.contacts.invalid_phone_value' },
  'contacts.invalid_field_value': { member: 'field', key: 'error.contacts.invalid_field_value_named' },
  'contacts.unknown_field': { member: 'field', key: 'error.contacts.unknown_field_named' },
  'consent.keyword_conflict': { member: 'keyword', key: 'error.consent.keyword_conflict_named' },
  'consent.invalid_keyword': { member: 'keyword', key: 'error.consent.invalid_keyword_named' },
  'contacts.reserved_field_key': { member: 'field', key: 'error.contacts.reserved_field_key_named' },
  'lists.name_exists': { member: 'name', key: 'error.lists.name_exists_named' },
};

/** The form field (its request path, as fieldOf gives it) that a problem code is about. */
const CODE_FIELDS: Record<string, (problem: Problem) => string | null> = {
  'contacts.invalid_phone': () => 'phone',
  'contacts.duplicate_phone': () => 'phone',
  'contacts.invalid_field_value': (p) => (typeof p.field === 'string' ? `fields.${p.field}` : null),
  'contacts.unknown_field': (p) => (typeof p.field === 'string' ? `fields.${p.field}` : null),
  'contacts.field_exists': () => 'key',
  'contacts.reserved_field_key': () => 'key',
  'lists.name_exists': () => 'name',
};

/**
 * A translated message for one validation error. The server's `msg` is pydantic's English text,
 * never shown as such: the usual constraints are recognised and translated, anything else is a
 * generic "check this field".
 */
export function validationMessage(msg: string, t: Translate): string {
  let m: RegExpMatchArray | null;
  if (/^field required$/i.test(msg) || /^missing$/i.test(msg)) return t('error.field.required');
  if ((m = msg.match(/^String should have at least (\d+) characters?$/i))) return t('error.field.too_short', { min: Number(m[1]) });
  if ((m = msg.match(/^String should have at most (\d+) characters?$/i))) return t('error.field.too_long', { max: Number(m[1]) });
  if ((m = msg.match(/^List should have at least (\d+) items?/i))) return t('error.field.too_few', { min: Number(m[1]) });
  if ((m = msg.match(/^List should have at most (\d+) items?/i))) return t('error.field.too_many', { max: Number(m[1]) });
  if (/email/i.test(msg)) return t('error.field.email');
  if (/^Input should be a valid (number|integer)/i.test(msg)) return t('error.field.number');
  if (/^Input should be a valid date/i.test(msg)) return t('error.field.date');
  return t('error.field.invalid');
}

/**
 * Translated messages for the form fields an error is about, keyed by the field's request path
 * ("phone", "fields.birthday", "consent.evidence"): each location of a `validation_error`, or the
 * field a known code is about. Errors about the whole request are not included.
 */
export function problemFields(error: unknown, t: Translate): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  const { code, errors } = error.problem;
  if (code === 'validation_error' && Array.isArray(errors)) {
    for (const e of errors) {
      const field = Array.isArray(e.loc) ? fieldOf(e.loc) : '';
      if (field && !(field in out)) out[field] = validationMessage(String(e.msg ?? ''), t);
    }
    return out;
  }
  const field = code ? CODE_FIELDS[code]?.(error.problem) : null;
  if (field) out[field] = problemMessage(error, t);
  return out;
}

/**
 * The summary of a failed form submission: when every field the error is about is shown (and so
 * highlighted with its own message), "correct the highlighted fields"; otherwise the full message.
 */
export function problemSummary(error: unknown, t: Translate, shown: readonly string[]): string {
  const fields = Object.keys(problemFields(error, t));
  if (fields.length > 0 && fields.every((f) => fieldFor(f, shown) !== null)) return t('error.check_fields');
  return problemMessage(error, t);
}

/** The shown field a field path belongs to: itself, or a shown parent ("tags" for "tags.2"). */
export function fieldFor(path: string, shown: readonly string[]): string | null {
  return shown.find((s) => path === s || path.startsWith(`${s}.`)) ?? null;
}

/** The message for one shown field (its own, or the first of its items'), or undefined. */
export function messageFor(fields: Record<string, string>, name: string): string | undefined {
  if (name in fields) return fields[name];
  const item = Object.keys(fields).find((k) => k.startsWith(`${name}.`));
  return item ? fields[item] : undefined;
}

/**
 * Map an error to a user-facing, localised message: a known problem `code` gets its
 * translated text (naming the value it is about, when the code has such a member); otherwise the
 * server's `detail`; otherwise a generic message. A `validation_error` never shows pydantic's
 * English text: each location with its translated message (forms that show the fields' own
 * messages use problemSummary's "correct the highlighted fields" instead).
 */
export function problemMessage(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    const { code, detail, errors } = error.problem;
    if (code === 'validation_error' && Array.isArray(errors) && errors.length > 0) {
      // Not every form shows each field's own message: name them here (at most five).
      const items = errors.slice(0, 5).map((e) => {
        const field = Array.isArray(e.loc) ? fieldOf(e.loc) : '';
        const message = validationMessage(String(e.msg ?? ''), t);
        return field ? `${field}: ${message}` : message;
      });
      return t('error.validation_error_list', { list: items.join(' ') });
    }
    if (code) {
      const named = NAMED[code];
      const member = named ? error.problem[named.member] : undefined;
      if (named && typeof member === 'string' && member) {
        return t(named.key, { [named.member]: isolate(member) });
      }
      const key = `error.${code}` as MessageKey;
      if (hasMessage(key)) {
        if (code === 'rate_limited' && error.retryAfter !== null) {
          return t('error.rate_limited_retry', { seconds: error.retryAfter });
        }
        return t(key);
      }
    }
    if (detail) return detail;
    if (error.status >= 500) return t('error.server');
    return t('error.generic');
  }
  if (error instanceof TypeError) return t('error.network');
  return t('error.generic');
}
