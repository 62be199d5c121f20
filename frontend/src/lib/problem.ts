import { hasMessage, type MessageKey, type Translate } from './i18n';

export type ProblemFieldError = { loc: (string | number)[]; msg: string };

export type Problem = {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: ProblemFieldError[];
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

/**
 * Map an error to a user-facing, localised message: a known problem `code` gets its
 * translated text; otherwise the server's `detail`; otherwise a generic message.
 */
export function problemMessage(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    const { code, detail, errors } = error.problem;
    if (code) {
      const key = `error.${code}` as MessageKey;
      if (hasMessage(key)) {
        if (code === 'rate_limited' && error.retryAfter !== null) {
          return t('error.rate_limited_retry', { seconds: error.retryAfter });
        }
        if (code === 'validation_error' && errors && errors.length > 0) {
          const fields = errors.map((e) => {
            const field = fieldOf(e.loc);
            return field ? `${field}: ${e.msg}` : e.msg;
          });
          return `${t(key)} ${fields.join('; ')}`;
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
