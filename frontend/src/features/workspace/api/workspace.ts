import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';
import { authStore } from '../../../lib/auth-store';
import type { Role } from '../../../lib/roles';

export const useWorkspaces = () =>
  useQuery({ queryKey: ['workspaces'], queryFn: () => unwrap(api.GET('/api/v1/workspaces')) });

export function useSwitchWorkspace() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/v1/workspaces/{workspace_id}/switch', { params: { path: { workspace_id: id } } })),
    onSuccess: (token) => {
      authStore.setSession(token);
      queryClient.clear();
    },
  });
}

export const useWorkspace = () =>
  useQuery({ queryKey: ['workspace'], queryFn: () => unwrap(api.GET('/api/v1/workspace')) });
export type Workspace = NonNullable<ReturnType<typeof useWorkspace>['data']>;

export type WorkspaceUpdate = {
  name?: string;
  contact_email?: string | null;
  contact_phone?: string | null;
  timezone?: string;
  default_country?: string | null;
  require_admin_2fa?: boolean;
  /** Send every WhatsApp call to the built-in simulator. */
  test_mode?: boolean;
};

export function useUpdateWorkspace() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: WorkspaceUpdate) => unwrap(api.PATCH('/api/v1/workspace', { body: body })),
    onSuccess: (ws) => {
      queryClient.setQueryData(['workspace'], ws);
      queryClient.invalidateQueries({ queryKey: ['workspaces'] });
      // Live and test mode each have their own WhatsApp connection.
      queryClient.invalidateQueries({ queryKey: ['whatsapp'] });
    },
  });
}

export function useDeleteWorkspace() {
  return useMutation({
    mutationFn: (confirm_name: string) => unwrap(api.DELETE('/api/v1/workspace', { body: { confirm_name } })),
  });
}

export const useMembers = () =>
  useQuery({ queryKey: ['workspace', 'members'], queryFn: () => unwrap(api.GET('/api/v1/workspace/members')) });

export function useUpdateMember() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      unwrap(
        api.PATCH('/api/v1/workspace/members/{user_id}', {
          params: { path: { user_id: userId } },
          body: { role },
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['workspace', 'members'] }),
  });
}

export function useRemoveMember() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) =>
      unwrap(api.DELETE('/api/v1/workspace/members/{user_id}', { params: { path: { user_id: userId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['workspace', 'members'] }),
  });
}

export function useTransferOwnership() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) =>
      unwrap(api.POST('/api/v1/workspace/ownership-transfer', { body: { user_id: userId } })),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}

export const useInvitations = () =>
  useQuery({
    queryKey: ['workspace', 'invitations'],
    queryFn: () => unwrap(api.GET('/api/v1/workspace/invitations')),
  });

export function useCreateInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; role: Role }) =>
      unwrap(api.POST('/api/v1/workspace/invitations', { body: body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['workspace', 'invitations'] }),
  });
}

export function useResendInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/v1/workspace/invitations/{invitation_id}/resend', { params: { path: { invitation_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['workspace', 'invitations'] }),
  });
}

export function useRevokeInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE('/api/v1/workspace/invitations/{invitation_id}', { params: { path: { invitation_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['workspace', 'invitations'] }),
  });
}

export function useInvitationPreview(token: string | null) {
  return useQuery({
    queryKey: ['invitation-preview', token],
    queryFn: () => unwrap(api.GET('/api/v1/invitations/{token}', { params: { path: { token: token! } } })),
    enabled: Boolean(token),
    retry: false,
  });
}

export function useAcceptInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (token: string) => unwrap(api.POST('/api/v1/invitations/accept', { body: { token } })),
    onSuccess: (tokenResponse) => {
      authStore.setSession(tokenResponse);
      queryClient.clear();
    },
  });
}

/** The signed-in user (shares the ['me'] cache entry with the account feature). */
export const useCurrentUser = () =>
  useQuery({ queryKey: ['me'], queryFn: () => unwrap(api.GET('/api/v1/me')) });
