import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Alert, Button, ConfirmButton, Dialog, ErrorMessage, PageHeader, Spinner } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import { hasRole } from '../../../lib/roles';
import { useDebounced } from '../../../lib/use-debounced';
import {
  EDITABLE_AS_VERSION,
  lintProblemsOf,
  useCreateTemplate,
  useDeleteTemplate,
  useLint,
  useSubmitTemplate,
  useTemplate,
  useUpdateTemplate,
  type LintIn,
  type Template,
} from '../api/templates';
import {
  emptyForm,
  fieldOfProblem,
  fromTemplate,
  sectionOf,
  toComponents,
  visibleFields,
  type LintProblem,
  type TemplateForm,
} from '../utils/builder';
import { previewOf } from '../utils/preview';
import '../templates.css';
import { QualityBadge, StatusBadge } from './badges';
import { BuilderForm, type Section } from './builder-form';
import { CloneDialog } from './clone-dialog';
import { ServerPreview } from './server-preview';
import { TestSendDialog } from './test-send-dialog';
import { VersionsCard } from './versions-card';
import { WhatsAppBubble } from './whatsapp-bubble';

/** `/templates/new` and `/templates/:id`. */
export function TemplateBuilderPage() {
  const { id } = useParams();
  const { t } = useI18n();
  const template = useTemplate(id);
  if (!id) return <Builder key="new" template={null} />;
  if (template.isPending) return <Spinner />;
  if (template.error || !template.data)
    return (
      <>
        <BackLink />
        <ErrorMessage error={template.error ?? new Error(t('error.generic'))} />
      </>
    );
  return <Builder key={template.data.id} template={template.data} refreshing={template.isFetching} onRefresh={() => void template.refetch()} />;
}

function BackLink() {
  const { t } = useI18n();
  return (
    <Link className="back-link" to="/templates">
      ← {t('templates.back')}
    </Link>
  );
}

function payloadOf(form: TemplateForm) {
  return {
    name: form.name.trim(),
    language: form.language.trim(),
    category: form.category,
    parameter_format: form.parameter_format,
    components: toComponents(form),
  };
}

function Builder({ template, refreshing, onRefresh }: { template: Template | null; refreshing?: boolean; onRefresh?: () => void }) {
  const { t, formatDateTime } = useI18n();
  const { role } = useAuth();
  const navigate = useNavigate();
  const canWrite = hasRole(role, 'marketer');
  const initial = useMemo(() => (template ? fromTemplate(template) : emptyForm()), [template?.id]);
  const [form, setForm] = useState<TemplateForm>(initial);
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const [attempted, setAttempted] = useState(false);
  const [confirmEdit, setConfirmEdit] = useState(false);
  const [cloning, setCloning] = useState(false);
  const [testing, setTesting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const create = useCreateTemplate();
  const update = useUpdateTemplate();
  const submit = useSubmitTemplate();
  const remove = useDeleteTemplate(template?.id ?? '');

  const status = template?.status ?? 'DRAFT';
  const isDraft = status === 'DRAFT';
  const asVersion = template !== null && EDITABLE_AS_VERSION.includes(status);
  const editable = canWrite && (isDraft || asVersion);
  const payload = useMemo(() => payloadOf(form), [form]);
  const dirty = useMemo(() => JSON.stringify(payload) !== JSON.stringify(payloadOf(initial)), [payload, initial]);

  // Inline lint as you type (debounced); an edit of a submitted template is linted as an edit.
  const debounced = useDebounced(payload, 400);
  const lintBody: LintIn | null = editable ? { ...debounced, ...(asVersion && template ? { template_id: template.id } : {}) } : null;
  const lint = useLint(lintBody);
  const submitProblems = lintProblemsOf(submit.error).length > 0 ? lintProblemsOf(submit.error) : lintProblemsOf(update.error);
  const problems: LintProblem[] = lint.data?.problems ?? submitProblems;
  const components = useMemo(() => toComponents(form), [form]);
  const visible = visibleFields(form);
  const showAll = attempted || template !== null;
  const shown = (field: string) => showAll || touched.has(sectionOf(field));

  const errorOf = (field: string): string | null => {
    if (!editable || !shown(field)) return null;
    const messages = problems.filter((p) => fieldOfProblem(p.path, components) === field).map((p) => p.message);
    return messages.length > 0 ? messages.join(' ') : null;
  };
  const general = editable ? problems.filter((p) => !visible.has(fieldOfProblem(p.path, components))) : [];

  const onChange = (next: TemplateForm, section: Section) => {
    setForm(next);
    setNotice(null);
    setTouched((s) => (s.has(section) ? s : new Set(s).add(section)));
  };

  const saveDraft = async (): Promise<Template | null> => {
    setAttempted(true);
    if (template === null) {
      const created = await create.mutateAsync(payload);
      return created;
    }
    if (!dirty) return template;
    return update.mutateAsync({ id: template.id, body: payload });
  };

  const onSaveDraft = async () => {
    try {
      const saved = await saveDraft();
      setNotice(t('templates.builder.saved'));
      if (saved && template === null) navigate(`/templates/${saved.id}`, { replace: true });
    } catch {
      // shown from the mutation's error
    }
  };

  const onSubmit = async () => {
    setAttempted(true);
    submit.reset();
    try {
      const saved = await saveDraft();
      if (!saved) return;
      await submit.mutateAsync(saved.id);
      setNotice(t('templates.builder.submitted'));
      if (template === null) navigate(`/templates/${saved.id}`, { replace: true });
    } catch {
      // shown from the mutation's error
    }
  };

  const onSaveVersion = async () => {
    if (!template) return;
    setConfirmEdit(false);
    setAttempted(true);
    try {
      await update.mutateAsync({ id: template.id, body: { components: payload.components, category: payload.category } });
      setNotice(t('templates.builder.version_submitted'));
    } catch {
      // shown from the mutation's error
    }
  };

  const saveError = create.error ?? update.error;
  const busy = create.isPending || update.isPending || submit.isPending;

  return (
    <>
      <BackLink />
      <PageHeader
        title={template ? template.name : t('templates.builder.new_title')}
        description={template ? t('templates.builder.edit_intro', { language: template.language }) : t('templates.builder.new_intro')}
        actions={
          template && canWrite ? (
            <div className="button-row">
              {template.status === 'APPROVED' ? (
                <Button variant="secondary" onClick={() => setTesting(true)}>
                  {t('templates.test_send.open')}
                </Button>
              ) : null}
              <Button variant="secondary" onClick={() => setCloning(true)}>
                {t('templates.clone.open')}
              </Button>
              <ConfirmButton
                confirm={template.meta_template_id ? t('templates.delete_confirm_submitted', { name: template.name, language: template.language }) : t('templates.delete_confirm', { name: template.name })}
                loading={remove.isPending}
                onConfirm={() => remove.mutate(undefined, { onSuccess: () => navigate('/templates', { replace: true }) })}
              >
                {t('common.delete')}
              </ConfirmButton>
            </div>
          ) : null
        }
      />
      <ErrorMessage error={remove.error} />
      {template ? <StatusPanel template={template} refreshing={refreshing} onRefresh={onRefresh} /> : null}
      {notice ? <Alert kind="success">{notice}</Alert> : null}

      <div className="builder-layout">
        <div className="builder-main">
          {asVersion && editable ? <Alert kind="info">{t('templates.builder.edit_as_version', { status: t(`templates.status.${status}` as MessageKey) })}</Alert> : null}
          {template && !editable && canWrite ? <Alert kind="info">{t('templates.builder.read_only', { status: t(`templates.status.${status}` as MessageKey) })}</Alert> : null}
          {general.length > 0 && (showAll || touched.size > 0) ? (
            <Alert kind="warning">
              <ul className="plain-list" data-testid="general-problems">
                {general.map((p, i) => (
                  <li key={i}>{p.message}</li>
                ))}
              </ul>
            </Alert>
          ) : null}
          <fieldset className="builder-fieldset" disabled={!editable}>
            <BuilderForm form={form} onChange={onChange} errorOf={errorOf} identityLocked={template !== null && !isDraft} categoryLocked={status === 'APPROVED'} />
          </fieldset>

          {submitProblems.length > 0 ? (
            <Alert kind="error">
              <p>{t('templates.builder.lint_failed', { count: submitProblems.length })}</p>
              <ul className="lint-list" data-testid="submit-problems">
                {submitProblems.map((p, i) => (
                  <li key={i}>{p.message}</li>
                ))}
              </ul>
            </Alert>
          ) : submit.error || saveError ? (
            <ErrorMessage error={submit.error ?? saveError} />
          ) : null}

          {editable ? (
            <div className="form-actions builder-actions">
              {isDraft ? (
                <>
                  <span className="lint-status muted" aria-live="polite" data-testid="lint-status">
                    {lint.isFetching ? t('templates.builder.checking') : lint.data ? (lint.data.ok ? t('templates.builder.lint_ok') : t('templates.builder.lint_problems', { count: lint.data.problems.length })) : null}
                  </span>
                  <Button variant="secondary" loading={create.isPending || (update.isPending && !submit.isPending)} disabled={busy} onClick={onSaveDraft}>
                    {t('templates.builder.save_draft')}
                  </Button>
                  <Button loading={submit.isPending} disabled={busy} onClick={onSubmit}>
                    {t('templates.builder.submit')}
                  </Button>
                </>
              ) : (
                <Button loading={update.isPending} disabled={busy || !dirty} onClick={() => setConfirmEdit(true)}>
                  {t('templates.builder.save_version')}
                </Button>
              )}
            </div>
          ) : null}
        </div>

        <aside className="builder-preview" aria-label={t('templates.preview.title')}>
          <div className="builder-preview-sticky">
            <h2 className="preview-title">{t('templates.preview.title')}</h2>
            <WhatsAppBubble doc={previewOf(form)} />
            <p className="field-hint">{t('templates.preview.hint')}</p>
            {template && canWrite ? <ServerPreview template={template} dirty={dirty} /> : null}
          </div>
        </aside>
      </div>

      {template && template.version > 0 ? <VersionsCard template={template} /> : null}
      {template ? (
        <p className="muted small">
          {t('templates.builder.timestamps', { created: formatDateTime(template.created_at), updated: formatDateTime(template.updated_at) })}
        </p>
      ) : null}

      <Dialog
        open={confirmEdit}
        title={t('templates.builder.confirm_version_title')}
        onClose={() => setConfirmEdit(false)}
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirmEdit(false)}>
              {t('common.cancel')}
            </Button>
            <Button onClick={onSaveVersion}>{t('templates.builder.save_version')}</Button>
          </>
        }
      >
        <p>{t('templates.builder.confirm_version_text')}</p>
        <ul>
          <li>{t('templates.builder.limit_daily')}</li>
          <li>{t('templates.builder.limit_monthly')}</li>
          <li>{t('templates.builder.limit_category')}</li>
          <li>{t('templates.builder.limit_identity')}</li>
        </ul>
      </Dialog>
      {template ? <CloneDialog open={cloning} template={template} onClose={() => setCloning(false)} onCloned={(c) => navigate(`/templates/${c.id}`)} /> : null}
      {template ? <TestSendDialog open={testing} template={template} onClose={() => setTesting(false)} /> : null}
    </>
  );
}

function StatusPanel({ template, refreshing, onRefresh }: { template: Template; refreshing?: boolean; onRefresh?: () => void }) {
  const { t, formatDateTime } = useI18n();
  const info = template.status_info as { other_info?: { title?: string; description?: string }; disable_info?: { disable_date?: number } } | null;
  const rejection = template.rejection_info as { reason?: string; recommendation?: string } | null;
  return (
    <section className="card template-status" data-testid="template-status" aria-label={t('templates.status_panel')}>
      <dl className="details">
        <div>
          <dt>{t('common.status')}</dt>
          <dd className="badge-row">
            <StatusBadge status={template.status} />
            {template.status === 'PENDING' ? <span className="muted small">{t('templates.pending_note')}</span> : null}
          </dd>
        </div>
        <div>
          <dt>{t('templates.quality_label')}</dt>
          <dd>{template.quality_score ? <QualityBadge quality={template.quality_score} /> : t('common.none')}</dd>
        </div>
        <div>
          <dt>{t('templates.version')}</dt>
          <dd>{template.version > 0 ? template.version : t('templates.never_submitted')}</dd>
        </div>
        <div>
          <dt>{t('templates.submitted_at')}</dt>
          <dd>{template.submitted_at ? formatDateTime(template.submitted_at) : t('common.none')}</dd>
        </div>
        {template.meta_template_id ? (
          <div>
            <dt>{t('templates.meta_id')}</dt>
            <dd>
              <bdi dir="ltr" className="mono">
                {template.meta_template_id}
              </bdi>
            </dd>
          </div>
        ) : null}
        {(template.variants ?? []).length > 0 ? (
          <div>
            <dt>{t('templates.other_languages')}</dt>
            <dd className="badge-row">
              {(template.variants ?? []).map((v) => (
                <Link key={v.id} to={`/templates/${v.id}`}>
                  <bdi dir="ltr">{v.language}</bdi> <StatusBadge status={v.status} />
                </Link>
              ))}
            </dd>
          </div>
        ) : null}
      </dl>
      {template.status === 'REJECTED' || template.rejection_reason ? (
        <Alert kind="error">
          <p data-testid="rejection-reason">{t('templates.rejection_reason', { reason: template.rejection_reason ?? t('common.none') })}</p>
          {rejection?.reason ? <p>{rejection.reason}</p> : null}
          {rejection?.recommendation ? <p>{t('templates.rejection_recommendation', { text: rejection.recommendation })}</p> : null}
        </Alert>
      ) : null}
      {info?.other_info?.description ? <Alert kind="warning">{info.other_info.description}</Alert> : null}
      {template.previous_category ? <Alert kind="info">{t('templates.recategorised_long', { from: template.previous_category, to: template.category })}</Alert> : null}
      {onRefresh ? (
        <Button size="sm" variant="secondary" loading={refreshing} onClick={onRefresh}>
          {t('common.refresh')}
        </Button>
      ) : null}
    </section>
  );
}

