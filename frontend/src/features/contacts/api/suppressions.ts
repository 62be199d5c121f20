import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';
import type { components } from '../../../api/schema';
import type { Purpose } from './contacts';

export type Suppression = components['schemas']['SuppressionOut'];
const KEY = ['suppressions'] as const;

export function useSuppressions(purpose: Purpose | '') {
  return useInfiniteQuery({
    queryKey: [...KEY, purpose],
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/api/v1/suppressions', { params: { query: { limit: 50, ...(purpose ? { purpose } : {}), ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useCreateSuppression() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: components['schemas']['SuppressionIn']) => unwrap(api.POST('/api/v1/suppressions', { body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: KEY });
      // The number's contact, if any, is opted out.
      void queryClient.invalidateQueries({ queryKey: ['contacts'] });
    },
  });
}

/** 409 `consent.suppression_locked` unless the person opted in again themselves. */
export function useRemoveSuppression() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/suppressions/{suppression_id}', { params: { path: { suppression_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

/** "1234" -> "••••1234" (only the last digits of a suppressed number are kept). */
export function maskedPhone(hint: string | null): string {
  return hint ? `••••${hint}` : '••••';
}
