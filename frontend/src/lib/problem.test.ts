import { describe, expect, it } from 'vitest';
import { translate, type Locale, type MessageKey, type Vars } from './i18n';
import { ApiError, fieldFor, fieldOf, messageFor, problemFields, problemMessage, problemSummary, toApiError } from './problem';

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

  it('never shows the server text of a validation error: a translated summary, a message per field', () => {
    const error = new ApiError(422, {
      code: 'validation_error',
      detail: 'Invalid request',
      errors: [
        { loc: ['body', 'email'], msg: 'value is not a valid email address' },
        { loc: ['body', 'phone'], msg: 'String should have at least 3 characters' },
        { loc: ['body', 'tags', 2], msg: 'String should have at most 64 characters' },
        { loc: ['body', 'password'], msg: 'Value error, something only pydantic says' },
        { loc: ['body', 'name'], msg: 'Field required' },
      ],
    });
    // Each location named with a translated message (at most five), never pydantic's text.
    expect(problemMessage(error, en)).toBe(
      'Please check: email: Enter a valid email address. phone: Enter at least 3 characters. tags.2: Enter at most 64 characters. password: Check this field. name: This field is required.',
    );
    expect(problemMessage(error, ar)).toContain('يرجى مراجعة: email: أدخل بريدًا إلكترونيًا صالحًا.');
    expect(problemMessage(error, en)).not.toContain('pydantic');
    // A whole-body error has no field to name.
    const body = new ApiError(422, { code: 'validation_error', errors: [{ loc: ['body'], msg: 'Value error, Text must not contain NUL characters' }] });
    expect(problemMessage(body, en)).toBe('Please check: Check this field.');
    expect(problemMessage(new ApiError(422, { code: 'validation_error' }), en)).toBe('Please check the information you entered.');
    expect(problemFields(error, en)).toEqual({
      email: 'Enter a valid email address.',
      phone: 'Enter at least 3 characters.',
      'tags.2': 'Enter at most 64 characters.',
      password: 'Check this field.',
      name: 'This field is required.',
    });
    expect(problemFields(error, ar).phone).toBe('أدخل 3 أحرف على الأقل.');
    expect(problemFields(new ApiError(422, { code: 'validation_error', errors: [{ loc: ['body', 'name'], msg: 'String should have at least 1 character' }] }), en).name).toBe('Enter at least 1 character.');
    expect(problemFields(error, ar).password).toBe('راجع هذا الحقل.');
    expect(messageFor(problemFields(error, en), 'tags')).toBe('Enter at most 64 characters.');
  });

  it('summarises an error about shown fields only as "correct the highlighted fields"', () => {
    const error = new ApiError(422, { code: 'validation_error', errors: [{ loc: ['body', 'tags', 0], msg: 'x' }] });
    expect(problemSummary(error, en, ['phone', 'tags'])).toBe('Please correct the highlighted fields.');
    expect(problemSummary(error, ar, ['phone', 'tags'])).toBe('يرجى تصحيح الحقول المميّزة.');
    // A field the form does not show gets the general message instead.
    expect(problemSummary(error, en, ['phone'])).toBe('Please check: tags.0: Check this field.');
    expect(fieldFor('tags.0', ['tags'])).toBe('tags');
    expect(fieldFor('tagsx', ['tags'])).toBeNull();
  });

  it('puts a known code on its field and names the value it is about', () => {
    const phone = new ApiError(422, { code: 'contacts.invalid_phone', detail: "'12' is not a phone number.", value: '12' });
    expect(problemFields(phone, ar)).toEqual({ phone: problemMessage(phone, ar) });
    expect(problemMessage(phone, ar)).toMatch(/^\u206812\u2069 ليس رقم هاتف صالحًا/);
    const custom = new ApiError(422, { code: 'contacts.invalid_field_value', detail: "Field 'dob' must be a date.", field: 'dob' });
    expect(problemFields(custom, en)).toEqual({ 'fields.dob': 'The custom field \u2068dob\u2069 has a value of the wrong type.' });
    const conflict = new ApiError(422, { code: 'consent.keyword_conflict', detail: "'stop' cannot both opt out and opt in.", keyword: 'stop' });
    expect(problemMessage(conflict, en)).toBe('“\u2068stop\u2069” is in both the opt-out and the opt-in list. Keep it in one of them.');
    const invalid = new ApiError(422, { code: 'consent.invalid_keyword', detail: "'!!' is not a usable keyword", keyword: '!!' });
    expect(problemMessage(invalid, ar)).toContain('\u2068!!\u2069');
    // Without the member, the plain message.
    expect(problemMessage(new ApiError(422, { code: 'consent.keyword_conflict' }), en)).toBe('A keyword cannot be in both the opt-out and the opt-in list.');
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
