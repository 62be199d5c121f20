import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Button, Card, Checkbox, ErrorMessage, Field, PageHeader, Spinner } from '../../../components/ui';
import { signOut } from '../../../api/client';
import { useAuth } from '../../../lib/auth-store';
import { useI18n } from '../../../lib/i18n';
import { hasRole } from '../../../lib/roles';
import { useDeleteWorkspace, useUpdateWorkspace, useWorkspace, type Workspace } from '../api/workspace';

export function WorkspaceSettingsPage() {
  const { t } = useI18n();
  const { role } = useAuth();
  const workspace = useWorkspace();
  if (workspace.isPending) return <Spinner />;
  if (workspace.error) return <ErrorMessage error={workspace.error} />;
  return (
    <>
      <PageHeader title={t('workspace.title')} description={t('workspace.intro')} />
      <WorkspaceForm workspace={workspace.data} canEdit={hasRole(role, 'admin')} />
      <TestModeCard workspace={workspace.data} canEdit={hasRole(role, 'admin')} />
      {hasRole(role, 'owner') ? <DeleteWorkspaceCard workspace={workspace.data} /> : null}
    </>
  );
}

function WorkspaceForm({ workspace, canEdit }: { workspace: Workspace; canEdit: boolean }) {
  const { t } = useI18n();
  const update = useUpdateWorkspace();
  const toForm = (ws: Workspace) => ({
    name: ws.name ?? '',
    contact_email: ws.contact_email ?? '',
    contact_phone: ws.contact_phone ?? '',
    timezone: ws.timezone ?? '',
    default_country: ws.default_country ?? '',
    require_admin_2fa: Boolean(ws.require_admin_2fa),
  });
  const [form, setForm] = useState(() => toForm(workspace));
  useEffect(() => setForm(toForm(workspace)), [workspace]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({
      name: form.name.trim(),
      contact_email: form.contact_email.trim() || null,
      contact_phone: form.contact_phone.trim() || null,
      timezone: form.timezone.trim() || undefined,
      default_country: form.default_country.trim().toUpperCase() || null,
      require_admin_2fa: form.require_admin_2fa,
    });
  };

  const text = (name: 'name' | 'contact_email' | 'contact_phone' | 'timezone' | 'default_country') => ({
    name,
    value: form[name],
    disabled: !canEdit,
    onChange: (e: { target: { value: string } }) => setForm((f) => ({ ...f, [name]: e.target.value })),
  });

  return (
    <Card>
      <form onSubmit={submit} className="form-grid" noValidate>
        {!canEdit ? <Alert kind="info">{t('workspace.read_only')}</Alert> : null}
        {update.isSuccess ? <Alert kind="success">{t('common.saved')}</Alert> : null}
        <ErrorMessage error={update.error} />
        <Field label={t('workspace.name')} required {...text('name')} />
        <div className="field">
          <span className="label">{t('workspace.slug')}</span>
          <p className="static-value mono" dir="ltr">
            {workspace.slug}
          </p>
        </div>
        <Field label={t('workspace.contact_email')} type="email" {...text('contact_email')} dir="ltr" />
        <Field label={t('workspace.contact_phone')} type="tel" {...text('contact_phone')} dir="ltr" />
        <Field label={t('workspace.timezone')} placeholder="Africa/Khartoum" {...text('timezone')} dir="ltr" />
        <Field label={t('workspace.default_country')} maxLength={2} placeholder="SD" {...text('default_country')} dir="ltr" />
        <Checkbox
          label={t('workspace.require_admin_2fa')}
          checked={form.require_admin_2fa}
          disabled={!canEdit}
          onChange={(e) => setForm((f) => ({ ...f, require_admin_2fa: e.target.checked }))}
        />
        {canEdit ? (
          <div className="form-actions">
            <Button type="submit" loading={update.isPending}>
              {t('common.save')}
            </Button>
          </div>
        ) : null}
      </form>
    </Card>
  );
}

/** Test mode: every WhatsApp call goes to the built-in simulator. Saved as soon as it is switched. */
function TestModeCard({ workspace, canEdit }: { workspace: Workspace; canEdit: boolean }) {
  const { t } = useI18n();
  const update = useUpdateWorkspace();
  // Show the requested state from the click on, while the change is being saved (set in the
  // same event, so the switch never snaps back before the mutation's state arrives).
  const [requested, setRequested] = useState<boolean | null>(null);
  const checked = requested ?? workspace.test_mode;
  return (
    <Card title={t('workspace.test_mode_title')} description={t('workspace.test_mode_text')}>
      <ErrorMessage error={update.error} />
      <Checkbox
        role="switch"
        aria-checked={checked}
        label={t('workspace.test_mode')}
        checked={checked}
        disabled={!canEdit || update.isPending}
        onChange={(e) => {
          const next = e.target.checked;
          setRequested(next);
          update.mutate({ test_mode: next }, { onSettled: () => setRequested(null) });
        }}
      />
      <p className="muted" role="status">
        {workspace.test_mode ? t('workspace.test_mode_on') : t('workspace.test_mode_off')}
      </p>
    </Card>
  );
}

function DeleteWorkspaceCard({ workspace }: { workspace: Workspace }) {
  const { t, formatDate } = useI18n();
  const remove = useDeleteWorkspace();
  const [confirmName, setConfirmName] = useState('');
  if (remove.data) {
    return (
      <Card className="card-danger" title={t('workspace.danger')}>
        <Alert kind="warning">{t('workspace.deleted', { date: formatDate(remove.data.purge_after) })}</Alert>
        <Button variant="secondary" onClick={() => void signOut()}>
          {t('shell.sign_out')}
        </Button>
      </Card>
    );
  }
  return (
    <Card className="card-danger" title={t('workspace.danger')}>
      <h3>{t('workspace.delete')}</h3>
      <p className="muted">{t('workspace.delete_text')}</p>
      <form
        className="form-grid"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (confirmName === workspace.name) remove.mutate(confirmName);
        }}
      >
        <ErrorMessage error={remove.error} />
        <Field label={t('workspace.delete_confirm_label', { name: workspace.name })} value={confirmName} onChange={(e) => setConfirmName(e.target.value)} autoComplete="off" />
        <div className="form-actions">
          <Button type="submit" variant="danger" disabled={confirmName !== workspace.name} loading={remove.isPending}>
            {t('workspace.delete_submit')}
          </Button>
        </div>
      </form>
    </Card>
  );
}
