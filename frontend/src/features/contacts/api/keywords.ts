import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';
import type { components } from '../../../api/schema';

export type Keywords = components['schemas']['KeywordsOut'];
const KEY = ['consent-keywords'] as const;

export const useKeywords = () => useQuery({ queryKey: KEY, queryFn: () => unwrap(api.GET('/api/v1/consent/keywords')) });

export function useSaveKeywords() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: components['schemas']['KeywordsIn']) => unwrap(api.PUT('/api/v1/consent/keywords', { body })),
    onSuccess: (saved) => queryClient.setQueryData(KEY, saved),
  });
}

/** One keyword (or phrase) per line or comma; blanks and repeats dropped. */
export function splitKeywords(value: string): string[] {
  return [...new Set(value.split(/[\n,،]+/).map((k) => k.trim()).filter(Boolean))];
}
