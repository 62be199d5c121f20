import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, signOut, unwrap } from '../../../api/client';
import { authStore } from '../../../lib/auth-store';

export type LoginInput = { email: string; password: string; totp_code?: string };

export const login = (body: LoginInput) => unwrap(api.POST('/api/v1/auth/login', { body }));

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (token) => {
      queryClient.clear();
      authStore.setSession(token);
    },
  });
}

export type SignupInput = {
  email: string;
  password: string;
  full_name: string;
  business_name?: string;
  phone?: string;
  locale?: 'en' | 'ar';
  age_confirmed: boolean;
  privacy_policy_version: string;
  invitation_token?: string;
};

export const signup = (body: SignupInput) =>
  // age_confirmed is validated client-side before sending; the API insists on `true`.
  unwrap(api.POST('/api/v1/auth/signup', { body: body }));

export function useSignup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: signup,
    onSuccess: (token) => {
      queryClient.clear();
      authStore.setSession(token);
    },
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: signOut,
    onSettled: () => queryClient.clear(),
  });
}

export const verifyEmail = (token: string) => unwrap(api.POST('/api/v1/auth/verify-email', { body: { token } }));

export const requestPasswordReset = (email: string) =>
  unwrap(api.POST('/api/v1/auth/password-reset', { body: { email } }));

export const confirmPasswordReset = (token: string, new_password: string) =>
  unwrap(api.POST('/api/v1/auth/password-reset/confirm', { body: { token, new_password } }));

/** The current policy version, which sign-up must echo back. */
export function usePolicyVersion() {
  return useQuery({
    queryKey: ['legal', 'privacy-policy'],
    queryFn: () => unwrap(api.GET('/api/v1/legal/privacy-policy')),
    staleTime: 10 * 60_000,
  });
}

/** Preview of an invitation (public), to show whom the sign-up will join. */
export function useInvitationPreview(token: string | null) {
  return useQuery({
    queryKey: ['invitation-preview', token],
    queryFn: () => unwrap(api.GET('/api/v1/invitations/{token}', { params: { path: { token: token! } } })),
    enabled: Boolean(token),
    retry: false,
  });
}
