import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';

export const meQuery = () =>
  queryOptions({ queryKey: ['me'], queryFn: () => unwrap(api.GET('/api/v1/me')) });

export const useMe = () => useQuery(meQuery());
export type User = NonNullable<ReturnType<typeof useMe>['data']>;

export type UpdateMeInput = {
  full_name?: string;
  phone?: string | null;
  locale?: 'en' | 'ar';
  marketing_emails?: boolean;
};

export function useUpdateMe() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateMeInput) => unwrap(api.PATCH('/api/v1/me', { body: body })),
    onSuccess: (user) => queryClient.setQueryData(['me'], user),
  });
}

export function useResendVerification() {
  return useMutation({ mutationFn: () => unwrap(api.POST('/api/v1/auth/verify-email/resend')) });
}

export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      unwrap(api.POST('/api/v1/me/password', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me', 'sessions'] }),
  });
}

export const useSessions = () =>
  useQuery({ queryKey: ['me', 'sessions'], queryFn: () => unwrap(api.GET('/api/v1/me/sessions')) });

export function useRevokeSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/me/sessions/{session_id}', { params: { path: { session_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me', 'sessions'] }),
  });
}

export function useTotpSetup() {
  return useMutation({ mutationFn: () => unwrap(api.POST('/api/v1/me/totp/setup')) });
}

export function useTotpEnable() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (code: string) => unwrap(api.POST('/api/v1/me/totp/enable', { body: { code } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me'] }),
  });
}

export function useTotpDisable() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { password: string; code: string }) => unwrap(api.POST('/api/v1/me/totp/disable', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me'] }),
  });
}
