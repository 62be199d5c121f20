import { useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Card, ConfirmButton, EmptyState, ErrorMessage, Field, PageHeader, Select, Spinner } from '../../../components/ui';
import { authStore, useAuth } from '../../../lib/auth-store';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import { hasRole, ROLES, type Role } from '../../../lib/roles';
import {
  useCreateInvitation,
  useInvitations,
  useMembers,
  useRemoveMember,
  useResendInvitation,
  useRevokeInvitation,
  useTransferOwnership,
  useCurrentUser,
  useUpdateMember,
} from '../api/workspace';

export function TeamPage() {
  const { t } = useI18n();
  const { role } = useAuth();
  const isAdmin = hasRole(role, 'admin');
  return (
    <>
      <PageHeader title={t('team.title')} />
      <MembersCard />
      {isAdmin ? <InvitationsCard /> : null}
    </>
  );
}

/** Roles the current user may hand out: only owners grant `owner`. */
function grantableRoles(role: string | null): Role[] {
  return ROLES.filter((r) => (r === 'owner' ? hasRole(role, 'owner') : true));
}

function MembersCard() {
  const { t, formatDate } = useI18n();
  const { role } = useAuth();
  const me = useCurrentUser();
  const members = useMembers();
  const update = useUpdateMember();
  const remove = useRemoveMember();
  const transfer = useTransferOwnership();
  const isAdmin = hasRole(role, 'admin');
  const isOwner = hasRole(role, 'owner');
  const roleLabel = (r: string) => t(`role.${r}` as MessageKey);

  return (
    <Card title={t('team.members')}>
      <ErrorMessage error={members.error ?? update.error ?? remove.error ?? transfer.error} />
      {update.isSuccess ? <Alert kind="success">{t('team.role_changed')}</Alert> : null}
      {members.isPending ? <Spinner /> : null}
      {members.data ? (
        <div className="table-wrap">
          <table className="table" data-testid="members-table">
            <thead>
              <tr>
                <th>{t('team.member')}</th>
                <th>{t('common.role')}</th>
                <th>{t('team.two_factor')}</th>
                <th>{t('team.joined')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.items.map((m) => {
                const self = m.user_id === me.data?.id;
                // Admins cannot change or remove owners; only owners can.
                const editable = isAdmin && !self && (m.role !== 'owner' || isOwner);
                return (
                  <tr key={m.user_id}>
                    <td>
                      <div className="cell-primary">
                        {m.full_name} {self ? <span className="muted">({t('common.you')})</span> : null}
                      </div>
                      <div className="muted" dir="ltr">
                        {m.email}
                      </div>
                    </td>
                    <td>
                      {editable ? (
                        <Select
                          label={t('common.role')}
                          hideLabel
                          value={m.role}
                          onChange={(e) => update.mutate({ userId: m.user_id, role: e.target.value as Role })}
                        >
                          {grantableRoles(role).map((r) => (
                            <option key={r} value={r}>
                              {roleLabel(r)}
                            </option>
                          ))}
                        </Select>
                      ) : (
                        <Badge>{roleLabel(m.role)}</Badge>
                      )}
                    </td>
                    <td>{m.totp_enabled ? <Badge tone="success">{t('common.yes')}</Badge> : <Badge>{t('common.no')}</Badge>}</td>
                    <td>{formatDate(m.joined_at)}</td>
                    <td className="cell-actions">
                      {isOwner && !self && m.role !== 'owner' ? (
                        <ConfirmButton
                          size="sm"
                          variant="secondary"
                          confirm={t('team.transfer_confirm', { name: m.full_name || m.email })}
                          onConfirm={() =>
                            transfer.mutate(m.user_id, {
                              // Our role changed: the current token still says owner until refreshed.
                              onSuccess: () => {
                                const state = authStore.get();
                                if (state.accessToken && state.workspaceId) {
                                  authStore.setSession({ access_token: state.accessToken, workspace_id: state.workspaceId, role: 'admin' });
                                }
                              },
                            })
                          }
                        >
                          {t('team.transfer')}
                        </ConfirmButton>
                      ) : null}
                      {editable ? (
                        <ConfirmButton size="sm" confirm={t('team.remove_confirm', { name: m.full_name || m.email })} onConfirm={() => remove.mutate(m.user_id)}>
                          {t('common.remove')}
                        </ConfirmButton>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}

function InvitationsCard() {
  const { t, formatDate } = useI18n();
  const { role } = useAuth();
  const invitations = useInvitations();
  const create = useCreateInvitation();
  const resend = useResendInvitation();
  const revoke = useRevokeInvitation();
  const [email, setEmail] = useState('');
  const [inviteRole, setInviteRole] = useState<Role>('marketer');
  const [sentTo, setSentTo] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!email.trim()) return;
    create.mutate(
      { email: email.trim(), role: inviteRole },
      {
        onSuccess: (inv) => {
          setSentTo(inv.email);
          setEmail('');
        },
      },
    );
  };

  const statusTone = { pending: 'info', accepted: 'success', revoked: 'neutral', expired: 'warning' } as const;

  return (
    <Card title={t('team.invitations')}>
      <form onSubmit={submit} className="inline-form" noValidate aria-label={t('team.invite')}>
        <Field
          label={t('common.email')}
          type="email"
          name="invite_email"
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
            setSentTo(null);
          }}
          required
          dir="ltr"
        />
        <Select label={t('common.role')} name="invite_role" value={inviteRole} onChange={(e) => setInviteRole(e.target.value as Role)}>
          {grantableRoles(role).map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}` as MessageKey)}
            </option>
          ))}
        </Select>
        <Button type="submit" loading={create.isPending}>
          {t('team.invite_submit')}
        </Button>
      </form>
      <ErrorMessage error={create.error ?? resend.error ?? revoke.error ?? invitations.error} />
      {sentTo ? <Alert kind="success">{t('team.invite_sent', { email: sentTo })}</Alert> : null}
      {resend.isSuccess ? <Alert kind="success">{t('team.invitation_resent')}</Alert> : null}
      {invitations.isPending ? <Spinner /> : null}
      {invitations.data && invitations.data.items.length === 0 ? <EmptyState>{t('team.no_invitations')}</EmptyState> : null}
      {invitations.data && invitations.data.items.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="invitations-table">
            <thead>
              <tr>
                <th>{t('common.email')}</th>
                <th>{t('common.role')}</th>
                <th>{t('common.status')}</th>
                <th>{t('common.expires')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invitations.data.items.map((inv) => (
                <tr key={inv.id}>
                  <td dir="ltr">{inv.email}</td>
                  <td>{t(`role.${inv.role}` as MessageKey)}</td>
                  <td>
                    <Badge tone={statusTone[inv.status as keyof typeof statusTone] ?? 'neutral'}>
                      {t(`team.status.${inv.status}` as MessageKey)}
                    </Badge>
                  </td>
                  <td>{formatDate(inv.expires_at)}</td>
                  <td className="cell-actions">
                    {inv.status === 'pending' || inv.status === 'expired' ? (
                      <Button size="sm" variant="secondary" onClick={() => resend.mutate(inv.id)}>
                        {t('common.resend')}
                      </Button>
                    ) : null}
                    {inv.status === 'pending' ? (
                      <ConfirmButton size="sm" confirm={t('team.revoke_confirm', { email: inv.email })} onConfirm={() => revoke.mutate(inv.id)}>
                        {t('common.revoke')}
                      </ConfirmButton>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}
