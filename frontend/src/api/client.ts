import createClient, { type Middleware } from 'openapi-fetch';
import { authStore, type TokenPayload } from '../lib/auth-store';
import { readCookie } from '../lib/cookies';
import { toApiError } from '../lib/problem';
import type { paths } from './schema';

export const CSRF_COOKIE = 'qms_csrf';
const REFRESH_PATH = '/api/v1/auth/refresh';
/** Requests whose 401 must never trigger a refresh-and-retry (they are the auth flow itself). */
const NO_RETRY = ['/api/v1/auth/login', '/api/v1/auth/signup', REFRESH_PATH, '/api/v1/auth/logout'];

function csrfHeaders(): Record<string, string> {
  const csrf = readCookie(CSRF_COOKIE);
  return csrf ? { 'X-CSRF-Token': csrf } : {};
}

let refreshing: Promise<boolean> | null = null;

/**
 * Exchange the HttpOnly refresh cookie for a new access token. Concurrent callers share one
 * request: the refresh token rotates on every use, and replaying a used one revokes the session.
 */
export function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const response = await fetch(REFRESH_PATH, {
          method: 'POST',
          credentials: 'include',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...csrfHeaders() },
          body: '{}',
        });
        if (!response.ok) {
          authStore.clear();
          return false;
        }
        const token = (await response.json()) as TokenPayload;
        authStore.setSession(token);
        return true;
      } catch {
        authStore.clear();
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

const pending = new Map<string, Request>();

function withToken(request: Request, token: string | null): Request {
  if (token) request.headers.set('Authorization', `Bearer ${token}`);
  return request;
}

export const authMiddleware: Middleware = {
  onRequest({ request, id }) {
    const { accessToken } = authStore.get();
    withToken(request, accessToken);
    const path = new URL(request.url, 'http://localhost').pathname;
    if (path === REFRESH_PATH || path === '/api/v1/auth/logout') {
      for (const [name, value] of Object.entries(csrfHeaders())) request.headers.set(name, value);
    }
    if (!NO_RETRY.includes(path)) pending.set(id, request.clone());
    return request;
  },
  async onResponse({ response, id }) {
    const original = pending.get(id);
    pending.delete(id);
    if (response.status !== 401 || !original) return response;
    const sentWith = original.headers.get('Authorization');
    // If another request already refreshed meanwhile, just retry with the new token.
    const current = authStore.get().accessToken;
    const refreshed = current && sentWith !== `Bearer ${current}` ? true : await refreshSession();
    if (!refreshed) return response;
    return fetch(withToken(original, authStore.get().accessToken));
  },
  onError({ id }) {
    pending.delete(id);
  },
};

export const api = createClient<paths>({
  // Same origin as the SPA. (An absolute origin rather than '' so that Request objects can be
  // built outside a browser too, e.g. under Node in unit tests.)
  baseUrl: typeof location !== 'undefined' ? location.origin : '',
  credentials: 'include',
  // Resolve fetch at call time so tests can stub it.
  fetch: (request: Request) => globalThis.fetch(request),
});
api.use(authMiddleware);

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Resolve an openapi-fetch call to its data, throwing an ApiError (problem+json) otherwise. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response.status, error, response.headers);
  return data as T;
}

/** Sign out: revoke the session of the refresh cookie, then forget the access token. */
export async function signOut(): Promise<void> {
  try {
    await api.POST('/api/v1/auth/logout');
  } finally {
    authStore.clear({ signedOut: true });
  }
}
