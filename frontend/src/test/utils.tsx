import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { vi } from 'vitest';
import { I18nProvider, type Locale } from '../lib/i18n';

export function renderWithProviders(ui: ReactElement, { locale = 'en', route = '/' }: { locale?: Locale; route?: string } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return {
    queryClient,
    ...render(
      <I18nProvider locale={locale}>
        <QueryClientProvider client={queryClient}>
          <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
        </QueryClientProvider>
      </I18nProvider>,
    ),
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const isProblem = status >= 400;
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': isProblem ? 'application/problem+json' : 'application/json', ...headers },
  });
}

export type Call = { method: string; path: string; query: URLSearchParams; body: unknown; headers: Headers };
type Handler = (call: Call) => Response | Promise<Response>;

/** Stub global fetch with handlers keyed by "METHOD /path"; records every call. */
export function mockApi(handlers: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost:3000'), init);
    const url = new URL(request.url);
    const isJson = (request.headers.get('Content-Type') ?? 'application/json').includes('json');
    const text = isJson ? await request.text() : '';
    const call: Call = { method: request.method, path: url.pathname, query: url.searchParams, body: text ? JSON.parse(text) : undefined, headers: request.headers };
    calls.push(call);
    const handler = handlers[`${request.method} ${url.pathname}`];
    if (!handler) return json({ code: 'not_found', detail: `no handler for ${request.method} ${url.pathname}` }, 404);
    return handler(call);
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, fetchMock };
}
