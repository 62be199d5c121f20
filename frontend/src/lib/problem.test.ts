import { describe, expect, it } from 'vitest';
import { translate, type Locale, type MessageKey, type Vars } from './i18n';
import { ApiError, fieldOf, problemMessage, toApiError } from './problem';

const tFor = (locale: Locale) => (key: MessageKey, vars?: Vars) => translate(locale, key, vars);
const en = tFor('en');
const ar = tFor('ar');

describe('problemMessage', () => {
  it('localises a known problem code instead of showing the server detail', () => {
    const error = new ApiError(401, { code: 'auth.invalid_credentials', detail: 'Invalid email or password.' });
    expect(problemMessage(error, en)).toBe('The email or password is incorrect.');
    expect(problemMessage(error, ar)).toBe('البريد الإلكتروني أو كلمة المرور غير صحيحة.');
  });

  it('falls back to the detail for an unknown code', () => {
    const error = new ApiError(409, { code: 'contacts.something_new', detail: 'A brand new rule said no.' });
    expect(problemMessage(error, en)).toBe('A brand new rule said no.');
  });

  it('uses a generic message when there is neither a known code nor a detail', () => {
    expect(problemMessage(new ApiError(400, {}), en)).toBe('Something went wrong. Please try again.');
    expect(problemMessage(new ApiError(502, {}), en)).toBe('The server had a problem. Please try again in a moment.');
  });

  it('lists the fields of a validation error', () => {
    const error = new ApiError(422, {
      code: 'validation_error',
      detail: 'Invalid request',
      errors: [
        { loc: ['body', 'email'], msg: 'value is not a valid email address' },
        { loc: ['body', 'password'], msg: 'too short' },
      ],
    });
    expect(problemMessage(error, en)).toBe(
      'Please check the highlighted information. email: value is not a valid email address; password: too short',
    );
  });

  it('includes Retry-After seconds for rate limiting', () => {
    const error = toApiError(429, { code: 'rate_limited', detail: 'Slow down' }, new Headers({ 'Retry-After': '42' }));
    expect(error.retryAfter).toBe(42);
    expect(problemMessage(error, en)).toBe('Too many attempts. Try again in 42 seconds.');
  });

  it('reports network failures', () => {
    expect(problemMessage(new TypeError('Failed to fetch'), en)).toBe('Could not reach the server. Check your connection.');
  });

  it('builds an ApiError even from a non-problem body', () => {
    const error = toApiError(500, '<html>oops</html>');
    expect(error.status).toBe(500);
    expect(error.code).toBeUndefined();
  });

  it('strips the location prefix from field names', () => {
    expect(fieldOf(['body', 'scopes', 0])).toBe('scopes.0');
    expect(fieldOf(['query', 'limit'])).toBe('limit');
  });
});
