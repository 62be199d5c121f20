import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';

export const useApiKeyScopes = () =>
  useQuery({ queryKey: ['api-keys', 'scopes'], queryFn: () => unwrap(api.GET('/api/v1/api-keys/scopes')), staleTime: 10 * 60_000 });

export const useApiKeys = () =>
  useQuery({ queryKey: ['api-keys', 'list'], queryFn: () => unwrap(api.GET('/api/v1/api-keys')) });

/** `test` keys (qms_test_…) send every WhatsApp call to the simulator. */
export type ApiKeyMode = 'live' | 'test';
export type CreateApiKeyInput = { name: string; scopes: string[]; mode: ApiKeyMode; expires_at?: string };

export const createApiKey = (body: CreateApiKeyInput) => unwrap(api.POST('/api/v1/api-keys', { body: body }));
export type CreatedApiKey = Awaited<ReturnType<typeof createApiKey>>;

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createApiKey,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-keys', 'list'] }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/api-keys/{key_id}', { params: { path: { key_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-keys', 'list'] }),
  });
}
