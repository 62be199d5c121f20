import { useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Card, Checkbox, ConfirmButton, EmptyState, ErrorMessage, Field, PageHeader, Radio, Spinner } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import { hasRole, isRole } from '../../../lib/roles';
import { useApiKeys, useApiKeyScopes, useCreateApiKey, useRevokeApiKey, type ApiKeyMode } from '../api/api-keys';
import { ApiKeyCreatedDialog } from './api-key-created-dialog';

export function ApiKeysPage() {
  const { t } = useI18n();
  const { role } = useAuth();
  const isAdmin = hasRole(role, 'admin');
  return (
    <>
      <PageHeader title={t('keys.title')} description={t('keys.intro')} />
      {isAdmin ? <CreateKeyCard /> : null}
      <KeysListCard canRevoke={isAdmin} />
    </>
  );
}

function CreateKeyCard() {
  const { t } = useI18n();
  const { role } = useAuth();
  const scopes = useApiKeyScopes();
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [expiresAt, setExpiresAt] = useState('');
  const [mode, setMode] = useState<ApiKeyMode>('live');
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ secret: string; name: string } | null>(null);

  const toggle = (scope: string, on: boolean) =>
    setSelected((s) => (on ? [...s, scope] : s.filter((x) => x !== scope)));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setFormError(t('auth.required'));
    if (selected.length === 0) return setFormError(t('keys.pick_scope'));
    setFormError(null);
    create.mutate(
      {
        name: name.trim(),
        scopes: selected,
        mode,
        ...(expiresAt ? { expires_at: new Date(`${expiresAt}T23:59:59Z`).toISOString() } : {}),
      },
      {
        onSuccess: (key) => {
          setCreated({ secret: key.key, name: key.name });
          setName('');
          setSelected([]);
          setExpiresAt('');
          setMode('live');
          // Forget the secret held by the mutation; the dialog owns the only copy now.
          create.reset();
        },
      },
    );
  };

  return (
    <Card title={t('keys.create')}>
      <form onSubmit={submit} className="form-grid" noValidate aria-label={t('keys.create')}>
        {formError ? <Alert kind="error">{formError}</Alert> : null}
        <ErrorMessage error={create.error ?? scopes.error} />
        <Field label={t('keys.name')} name="key_name" value={name} onChange={(e) => setName(e.target.value)} required />
        <fieldset className="scopes">
          <legend>{t('keys.mode')}</legend>
          <div className="scope-grid">
            {(['live', 'test'] as const).map((m) => (
              <Radio
                key={m}
                name="key_mode"
                value={m}
                checked={mode === m}
                onChange={() => setMode(m)}
                label={
                  <span className="scope-label">
                    <span>{t(m === 'live' ? 'keys.mode_live' : 'keys.mode_test')}</span>
                    <span className="muted">{t(m === 'live' ? 'keys.mode_live_hint' : 'keys.mode_test_hint')}</span>
                  </span>
                }
              />
            ))}
          </div>
        </fieldset>
        <fieldset className="scopes">
          <legend>{t('keys.scopes')}</legend>
          {scopes.isPending ? <Spinner /> : null}
          <div className="scope-grid">
            {scopes.data?.items.map((s) => {
              const allowed = hasRole(role, isRole(s.min_role) ? s.min_role : 'owner');
              return (
                <Checkbox
                  key={s.scope}
                  name="scopes"
                  value={s.scope}
                  disabled={!allowed}
                  checked={selected.includes(s.scope)}
                  onChange={(e) => toggle(s.scope, e.target.checked)}
                  label={
                    <span className="scope-label">
                      <code dir="ltr">{s.scope}</code>
                      <span className="muted">{s.description}</span>
                      {!allowed ? <Badge tone="warning">{t('keys.min_role', { role: t(`role.${s.min_role}` as MessageKey) })}</Badge> : null}
                    </span>
                  }
                />
              );
            })}
          </div>
        </fieldset>
        <Field
          label={
            <>
              {t('keys.expires_at')} <span className="muted">({t('common.optional')})</span>
            </>
          }
          type="date"
          value={expiresAt}
          onChange={(e) => setExpiresAt(e.target.value)}
        />
        <div className="form-actions">
          <Button type="submit" loading={create.isPending}>
            {t('keys.create')}
          </Button>
        </div>
      </form>
      <ApiKeyCreatedDialog secret={created?.secret ?? null} name={created?.name} onClose={() => setCreated(null)} />
    </Card>
  );
}

function KeysListCard({ canRevoke }: { canRevoke: boolean }) {
  const { t, formatDateTime, formatDate } = useI18n();
  const keys = useApiKeys();
  const revoke = useRevokeApiKey();
  return (
    <Card title={t('keys.title')}>
      <ErrorMessage error={keys.error ?? revoke.error} />
      {keys.isPending ? <Spinner /> : null}
      {keys.data && keys.data.items.length === 0 ? <EmptyState>{t('keys.empty')}</EmptyState> : null}
      {keys.data && keys.data.items.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="api-keys-table">
            <thead>
              <tr>
                <th>{t('common.name')}</th>
                <th>{t('keys.prefix')}</th>
                <th>{t('keys.mode')}</th>
                <th>{t('keys.scopes')}</th>
                <th>{t('keys.last_used')}</th>
                <th>{t('common.status')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((k) => {
                const expired = k.expires_at ? new Date(k.expires_at) < new Date() : false;
                return (
                  <tr key={k.id}>
                    <td className="cell-primary">
                      {k.name}
                      <div className="muted">
                        {t('common.created')}: {formatDate(k.created_at)}
                      </div>
                    </td>
                    <td className="mono" dir="ltr">
                      {k.prefix}…
                    </td>
                    <td>
                      <Badge tone={k.mode === 'test' ? 'info' : 'neutral'}>{t(k.mode === 'test' ? 'keys.mode_test' : 'keys.mode_live')}</Badge>
                    </td>
                    <td>
                      <div className="tag-list" dir="ltr">
                        {k.scopes.map((s) => (
                          <code key={s}>{s}</code>
                        ))}
                      </div>
                    </td>
                    <td>{k.last_used_at ? formatDateTime(k.last_used_at) : t('common.never')}</td>
                    <td>
                      {k.revoked_at ? (
                        <Badge tone="danger">{t('keys.revoked')}</Badge>
                      ) : expired ? (
                        <Badge tone="warning">{t('keys.expired')}</Badge>
                      ) : (
                        <Badge tone="success">{t('keys.active')}</Badge>
                      )}
                    </td>
                    <td className="cell-actions">
                      {canRevoke && !k.revoked_at ? (
                        <ConfirmButton size="sm" confirm={t('keys.revoke_confirm', { name: k.name })} onConfirm={() => revoke.mutate(k.id)}>
                          {t('common.revoke')}
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
