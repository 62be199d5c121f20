import { useMutation, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';
import type { components } from '../../../api/schema';

export type OptInPage = components['schemas']['OptInPage'];
export type OptInInput = components['schemas']['OptInIn'];

export const useOptInPage = (slug: string) =>
  useQuery({
    queryKey: ['optin', slug],
    queryFn: () => unwrap(api.GET('/api/v1/optin/{slug}', { params: { path: { slug } } })),
    retry: false,
    staleTime: Infinity,
  });

/** `POST /optin/{slug}` (public; outside /api/v1 so it can be embedded in any site's form). */
export function useSubmitOptIn(slug: string) {
  return useMutation({
    mutationFn: (body: OptInInput) => unwrap(api.POST('/optin/{slug}', { params: { path: { slug } }, body })),
  });
}

/** The hosted opt-in page of a workspace. */
export function optInUrl(slug: string): string {
  const origin = typeof location !== 'undefined' ? location.origin : '';
  return `${origin}/optin/${encodeURIComponent(slug)}`;
}
