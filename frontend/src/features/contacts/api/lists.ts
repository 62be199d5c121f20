import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';
import type { components } from '../../../api/schema';

export type ContactList = components['schemas']['ListOut'];
const LISTS_KEY = ['lists'] as const;

export const useLists = () => useQuery({ queryKey: LISTS_KEY, queryFn: () => unwrap(api.GET('/api/v1/lists')) });

export function useCreateList() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: components['schemas']['ListIn']) => unwrap(api.POST('/api/v1/lists', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: LISTS_KEY }),
  });
}

export function useUpdateList() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string } & components['schemas']['ListUpdate']) =>
      unwrap(api.PATCH('/api/v1/lists/{list_id}', { params: { path: { list_id: id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: LISTS_KEY }),
  });
}

export function useDeleteList() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/lists/{list_id}', { params: { path: { list_id: id } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: LISTS_KEY });
      void queryClient.invalidateQueries({ queryKey: ['contacts'] });
    },
  });
}
