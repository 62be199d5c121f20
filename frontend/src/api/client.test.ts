import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../lib/auth-store';
import { ApiError } from '../lib/problem';
import { json, mockApi } from '../test/utils';
import { api, refreshSession, unwrap } from './client';

const token = (n: number) => ({ access_token: `access-${n}`, token_type: 'bearer', expires_in: 900, workspace_id: 'w1', role: 'owner' });
const me = { id: 'u1', email: 'a@b.co', full_name: 'A', phone: null, locale: 'en', marketing_emails: false, email_verified: true, totp_enabled: false, created_at: '2026-01-01T00:00:00Z' };

describe('API client', () => {
  beforeEach(() => {
    document.cookie = 'qms_csrf=csrf-abc; Path=/';
    authStore.setSession(token(1));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('sends the in-memory access token', async () => {
    const { calls } = mockApi({ 'GET /api/v1/me': () => json(me) });
    await expect(unwrap(api.GET('/api/v1/me'))).resolves.toEqual(me);
    expect(calls[0]?.headers.get('Authorization')).toBe('Bearer access-1');
  });

  it('on 401 refreshes once with the CSRF header, then retries with the new token', async () => {
    const { calls } = mockApi({
      'GET /api/v1/me': ({ headers }) =>
        headers.get('Authorization') === 'Bearer access-2' ? json(me) : json({ code: 'auth.unauthenticated' }, 401),
      'POST /api/v1/auth/refresh': () => json(token(2)),
    });
    await expect(unwrap(api.GET('/api/v1/me'))).resolves.toEqual(me);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/v1/me', 'POST /api/v1/auth/refresh', 'GET /api/v1/me']);
    expect(calls[1]?.headers.get('X-CSRF-Token')).toBe('csrf-abc');
    expect(authStore.get().accessToken).toBe('access-2');
  });

  it('retries a request body after refreshing', async () => {
    const { calls } = mockApi({
      'PATCH /api/v1/me': ({ headers, body }) =>
        headers.get('Authorization') === 'Bearer access-2' ? json({ ...me, ...(body as object) }) : json({ code: 'auth.unauthenticated' }, 401),
      'POST /api/v1/auth/refresh': () => json(token(2)),
    });
    const user = await unwrap(api.PATCH('/api/v1/me', { body: { full_name: 'New Name' } }));
    expect(user.full_name).toBe('New Name');
    expect(calls[2]?.body).toEqual({ full_name: 'New Name' });
  });

  it('when the refresh fails, signs out (no loop) and surfaces the 401', async () => {
    const { calls } = mockApi({
      'GET /api/v1/me': () => json({ code: 'auth.unauthenticated', detail: 'expired' }, 401),
      'POST /api/v1/auth/refresh': () => json({ code: 'auth.refresh_invalid' }, 401),
    });
    const error = await unwrap(api.GET('/api/v1/me')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(calls).toHaveLength(2);
    expect(authStore.get().status).toBe('anonymous');
  });

  it('shares one refresh between concurrent callers (refresh tokens are single-use)', async () => {
    let refreshes = 0;
    mockApi({
      'POST /api/v1/auth/refresh': async () => {
        refreshes += 1;
        await new Promise((r) => setTimeout(r, 10));
        return json(token(3));
      },
    });
    const results = await Promise.all([refreshSession(), refreshSession(), refreshSession()]);
    expect(results).toEqual([true, true, true]);
    expect(refreshes).toBe(1);
  });

  it('does not try to refresh after a failed login', async () => {
    const { calls } = mockApi({
      'POST /api/v1/auth/login': () => json({ code: 'auth.invalid_credentials' }, 401),
    });
    const error = await unwrap(api.POST('/api/v1/auth/login', { body: { email: 'a@b.co', password: 'x' } })).catch((e: unknown) => e);
    expect((error as ApiError).code).toBe('auth.invalid_credentials');
    expect(calls).toHaveLength(1);
  });
});
