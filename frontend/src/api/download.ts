import { authStore } from '../lib/auth-store';
import { toApiError } from '../lib/problem';
import { refreshSession } from './client';

type Query = Record<string, string | number | boolean | null | undefined>;

/** `/api/v1/x` + `{a: 1, b: undefined}` -> `/api/v1/x?a=1` (empty values are left out). */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function absolute(path: string): string {
  return typeof location !== 'undefined' ? new URL(path, location.origin).toString() : path;
}

/**
 * fetch() with the in-memory access token (for the few endpoints the typed client cannot read:
 * files). A 401 refreshes the session once and retries.
 */
export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const send = () => {
    const headers = new Headers(init.headers);
    const { accessToken } = authStore.get();
    if (accessToken) headers.set('Authorization', `Bearer ${accessToken}`);
    return globalThis.fetch(absolute(path), { ...init, headers, credentials: 'include' });
  };
  const response = await send();
  if (response.status !== 401) return response;
  return (await refreshSession()) ? send() : response;
}

async function errorOf(response: Response) {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  return toApiError(response.status, body, response.headers);
}

/** The filename of `Content-Disposition: attachment; filename="x.csv"` (or filename*=UTF-8''…). */
export function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim().replace(/^"|"$/g, ''));
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1]!.trim() : null;
}

/** Hand a Blob to the browser as a download. */
export function saveBlob(blob: Blob, filename: string): void {
  if (typeof URL.createObjectURL !== 'function') return;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Download an authenticated file (CSV/JSON export, error report) through fetch and a Blob. */
export async function downloadFile(path: string, fallbackName: string): Promise<string> {
  const response = await authFetch(path, { headers: { Accept: 'text/csv, application/json, */*' } });
  if (!response.ok) throw await errorOf(response);
  const blob = await response.blob();
  const filename = filenameOf(response.headers.get('Content-Disposition')) ?? fallbackName;
  saveBlob(blob, filename);
  return filename;
}

/**
 * POST a multipart form with upload progress (XMLHttpRequest: fetch cannot report upload
 * progress). Resolves with the parsed JSON body; rejects with an ApiError (or a TypeError when
 * the network failed). A 401 refreshes the session once and sends again.
 */
export function uploadForm<T>(path: string, form: FormData, onProgress?: (loaded: number, total: number) => void): Promise<T> {
  const send = (): Promise<{ status: number; body: unknown; headers: Headers }> =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', absolute(path));
      xhr.withCredentials = true;
      xhr.setRequestHeader('Accept', 'application/json');
      const { accessToken } = authStore.get();
      if (accessToken) xhr.setRequestHeader('Authorization', `Bearer ${accessToken}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress?.(e.loaded, e.total);
      };
      xhr.onload = () => {
        let body: unknown;
        try {
          body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
        } catch {
          body = undefined;
        }
        const headers = new Headers();
        const retry = xhr.getResponseHeader('Retry-After');
        if (retry) headers.set('Retry-After', retry);
        resolve({ status: xhr.status, body, headers });
      };
      xhr.onerror = () => reject(new TypeError('Network request failed'));
      xhr.onabort = () => reject(new TypeError('Upload aborted'));
      xhr.send(form);
    });
  return (async () => {
    let result = await send();
    if (result.status === 401 && (await refreshSession())) result = await send();
    if (result.status < 200 || result.status >= 300) throw toApiError(result.status, result.body, result.headers);
    return result.body as T;
  })();
}
