import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Alert, Badge, Button, Card, ConfirmButton, EmptyState, ErrorMessage, Field, PageHeader, Select, Spinner, TextArea, useFocusError, useProblemFields } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n } from '../../../lib/i18n';
import { ApiError } from '../../../lib/problem';
import { hasRole } from '../../../lib/roles';
import { useMembers } from '../../workspace/api/workspace';
import {
  exportConsent,
  fieldInputValue,
  splitTags,
  typedFieldValue,
  useBulkAction,
  useConsentHistory,
  useContact,
  useContactFields,
  useContactLists,
  useDeleteContact,
  useRecordConsent,
  useUpdateContact,
  type Contact,
  type ConsentEvent,
  type Purpose,
} from '../api/contacts';
import { useLists } from '../api/lists';
import { ConsentBadge } from './consent-badge';
import { ConsentTimeline, type ActorNames } from './consent-timeline';
import { CustomFieldInputs } from './custom-field-inputs';

export function ContactDetailPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const { role } = useAuth();
  const canWrite = hasRole(role, 'marketer');
  const contact = useContact(id);
  const navigate = useNavigate();
  const remove = useDeleteContact();

  if (contact.isPending) return <Spinner />;
  if (contact.error) {
    // A missing contact (404) or an id that is not one at all (422, e.g. /contacts/abc).
    const missing = contact.error instanceof ApiError && (contact.error.status === 404 || contact.error.status === 422);
    return (
      <>
        {missing ? (
          <>
            <PageHeader title={t('contacts.not_found_title')} />
            <EmptyState>{t('contacts.not_found_text')}</EmptyState>
          </>
        ) : (
          <ErrorMessage error={contact.error} />
        )}
        <BackToContacts />
      </>
    );
  }
  const c = contact.data;
  return (
    <>
      <BackToContacts />
      <PageHeader
        title={c.name || <bdi dir="ltr">{c.phone}</bdi>}
        description={c.name ? <bdi dir="ltr">{c.phone}</bdi> : undefined}
        actions={
          canWrite ? (
            <ConfirmButton
              loading={remove.isPending}
              confirm={
                <>
                  {t('contacts.delete_confirm')}
                  <span className="block muted">{t('contacts.delete_keeps_consent')}</span>
                </>
              }
              onConfirm={() => remove.mutate(c.id, { onSuccess: () => navigate('/contacts', { replace: true }) })}
            >
              {t('contacts.delete')}
            </ConfirmButton>
          ) : null
        }
      />
      <ErrorMessage error={remove.error} />
      <div className="detail-grid">
        <div>
          <ConsentCard contact={c} canWrite={canWrite} />
          <HistoryCard contact={c} />
        </div>
        <div>
          <DetailsCard contact={c} canWrite={canWrite} />
          <ListsCard contact={c} canWrite={canWrite} />
        </div>
      </div>
    </>
  );
}

function DetailsCard({ contact, canWrite }: { contact: Contact; canWrite: boolean }) {
  const { t, formatDateTime } = useI18n();
  const update = useUpdateContact(contact.id);
  const fields = useContactFields();
  const toForm = (c: Contact) => ({
    phone: c.phone ?? '',
    name: c.name ?? '',
    language: c.language ?? '',
    country: c.country ?? '',
    timezone: c.timezone ?? '',
    tags: c.tags.join(', '),
  });
  const toCustom = (c: Contact) => Object.fromEntries(Object.entries(c.fields).map(([k, v]) => [k, typeof v === 'boolean' ? v : fieldInputValue(v)]));
  const [form, setForm] = useState(() => toForm(contact));
  const formRef = useRef<HTMLFormElement>(null);
  const server = useProblemFields(update.error);
  useFocusError(formRef, update.error);
  const [custom, setCustom] = useState<Record<string, string | boolean>>(() => toCustom(contact));
  useEffect(() => {
    setForm(toForm(contact));
    setCustom(toCustom(contact));
  }, [contact]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const values: Record<string, unknown> = {};
    for (const f of fields.data?.items ?? []) {
      const raw = custom[f.key];
      if (raw === undefined) continue;
      const value = typedFieldValue(f.type, raw);
      if (value !== undefined) values[f.key] = value;
    }
    update.mutate({
      ...(form.phone.trim() && form.phone.trim() !== contact.phone ? { phone: form.phone.trim() } : {}),
      name: form.name.trim() || null,
      language: form.language.trim() || null,
      country: form.country.trim().toUpperCase() || null,
      timezone: form.timezone.trim() || null,
      tags: splitTags(form.tags),
      fields: values,
    });
  };

  const set = (key: keyof ReturnType<typeof toForm>) => ({
    name: key,
    value: form[key],
    disabled: !canWrite,
    error: server.message(key),
    onChange: (e: { target: { value: string } }) => {
      setForm((f) => ({ ...f, [key]: e.target.value }));
      server.clear(key);
    },
  });
  // The request paths of the fields shown, so an error only about them is summarised.
  const shown = ['phone', 'name', 'language', 'country', 'timezone', 'tags', ...(fields.data?.items ?? []).map((f) => `fields.${f.key}`)];
  const customErrors = Object.fromEntries(
    Object.entries(server.fields)
      .filter(([k]) => k.startsWith('fields.'))
      .map(([k, v]) => [k.slice('fields.'.length), v]),
  );

  return (
    <Card title={t('contacts.details')}>
      <form ref={formRef} onSubmit={submit} noValidate aria-label={t('contacts.details')}>
        {update.isSuccess ? <Alert kind="success">{t('common.saved')}</Alert> : null}
        <ErrorMessage error={server.stale ? null : update.error} fields={shown} />
        <Field label={t('contacts.phone')} type="tel" {...set('phone')} dir="ltr" />
        <Field label={t('common.name')} {...set('name')} dir="auto" />
        <div className="form-row">
          <Field label={t('contacts.language')} {...set('language')} dir="ltr" maxLength={16} />
          <Field label={t('contacts.country')} {...set('country')} dir="ltr" maxLength={2} hint={t('contacts.country_hint')} />
        </div>
        <Field label={t('contacts.timezone')} {...set('timezone')} dir="ltr" placeholder="Africa/Khartoum" />
        <Field label={t('contacts.tags')} {...set('tags')} hint={canWrite ? t('contacts.tags_hint') : undefined} dir="auto" />
        <CustomFieldInputs
          fields={fields.data?.items ?? []}
          values={custom}
          errors={customErrors}
          onChange={(next, key) => {
            setCustom(next);
            server.clear(`fields.${key}`);
          }}
          disabled={!canWrite}
        />
        <p className="muted small">
          {t('common.created')}: {formatDateTime(contact.created_at)} · {t('contacts.updated')}: {formatDateTime(contact.updated_at)}
        </p>
        {canWrite ? (
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

function ListsCard({ contact, canWrite }: { contact: Contact; canWrite: boolean }) {
  const { t } = useI18n();
  const lists = useLists();
  const memberships = useContactLists(contact, lists.data?.items);
  const bulk = useBulkAction();
  const [listId, setListId] = useState('');
  const member = new Set(memberships.data ?? []);
  const mine = lists.data?.items.filter((l) => member.has(l.id)) ?? [];
  const others = lists.data?.items.filter((l) => !member.has(l.id)) ?? [];

  return (
    <Card title={t('contacts.lists')}>
      <ErrorMessage error={lists.error ?? memberships.error ?? bulk.error} />
      {memberships.isFetching && !memberships.data ? <Spinner /> : null}
      {memberships.data && mine.length === 0 ? <p className="muted">{t('contacts.in_no_list')}</p> : null}
      {mine.length > 0 ? (
        <ul className="tag-list plain-list" aria-label={t('contacts.lists')}>
          {mine.map((l) => (
            <li key={l.id} className="chip">
              <Link to={`/contacts?list_id=${l.id}`}>{l.name}</Link>
              {canWrite ? (
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={t('contacts.remove_from_list', { name: l.name })}
                  onClick={() => bulk.mutate({ action: 'remove_from_list', ids: [contact.id], list_id: l.id })}
                >
                  ×
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {canWrite && others.length > 0 ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (listId) bulk.mutate({ action: 'add_to_list', ids: [contact.id], list_id: listId }, { onSuccess: () => setListId('') });
          }}
        >
          <Select label={t('contacts.add_to_list')} value={listId} onChange={(e) => setListId(e.target.value)}>
            <option value="">{t('contacts.bulk_pick_list')}</option>
            {others.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </Select>
          <Button type="submit" variant="secondary" disabled={!listId} loading={bulk.isPending}>
            {t('contacts.add')}
          </Button>
        </form>
      ) : null}
    </Card>
  );
}

function ConsentCard({ contact, canWrite }: { contact: Contact; canWrite: boolean }) {
  const { t } = useI18n();
  return (
    <Card title={t('consent.title')}>
      <dl className="details consent-status" data-testid="consent-status">
        <div>
          <dt>{t('consent.purpose.marketing')}</dt>
          <dd className="badge-row">
            <ConsentBadge state={contact.marketing_consent} />
            {contact.platform_marketing_stop ? <Badge tone="warning">{t('consent.platform_stop')}</Badge> : null}
          </dd>
        </div>
        <div>
          <dt>{t('consent.purpose.utility')}</dt>
          <dd>
            <ConsentBadge state={contact.utility_consent} />
          </dd>
        </div>
      </dl>
      {contact.platform_marketing_stop ? <p className="muted small">{t('consent.platform_stop_help')}</p> : null}
      {canWrite ? <RecordConsentForm contactId={contact.id} /> : null}
    </Card>
  );
}

function RecordConsentForm({ contactId }: { contactId: string }) {
  const { t } = useI18n();
  const record = useRecordConsent(contactId);
  const [status, setStatus] = useState<'opted_in' | 'opted_out'>('opted_in');
  const [purpose, setPurpose] = useState<Purpose>('marketing');
  const [evidence, setEvidence] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [recorded, setRecorded] = useState<ConsentEvent | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setRecorded(null);
    if (evidence.trim().length < 3) return setError(t('consent.evidence_required'));
    setError(null);
    record.mutate(
      { status, purpose, evidence: evidence.trim() },
      {
        onSuccess: (event) => {
          setRecorded(event);
          setEvidence('');
        },
      },
    );
  };

  return (
    <form className="record-consent" onSubmit={submit} noValidate aria-label={t('consent.record')}>
      <h3>{t('consent.record')}</h3>
      <p className="muted small">{t('consent.record_intro')}</p>
      {recorded ? (
        recorded.effective ? (
          <Alert kind="success">{t('consent.recorded')}</Alert>
        ) : (
          <Alert kind="warning">{t('consent.recorded_not_effective')}</Alert>
        )
      ) : null}
      <ErrorMessage error={record.error} />
      <div className="form-row">
        <Select label={t('consent.status')} value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="opted_in">{t('consent.state.opted_in')}</option>
          <option value="opted_out">{t('consent.state.opted_out')}</option>
        </Select>
        <Select label={t('consent.purpose')} value={purpose} onChange={(e) => setPurpose(e.target.value as Purpose)}>
          <option value="marketing">{t('consent.purpose.marketing')}</option>
          <option value="utility">{t('consent.purpose.utility')}</option>
        </Select>
      </div>
      <TextArea label={t('consent.evidence')} hint={t('consent.evidence_hint')} value={evidence} onChange={(e) => setEvidence(e.target.value)} error={error} maxLength={4000} />
      <div className="form-actions">
        <Button type="submit" loading={record.isPending}>
          {t('consent.record_submit')}
        </Button>
      </div>
    </form>
  );
}

function HistoryCard({ contact }: { contact: Contact }) {
  const { t } = useI18n();
  const history = useConsentHistory(contact.id);
  const members = useMembers();
  const [exporting, setExporting] = useState<{ format: 'json' | 'csv' | null; error: unknown }>({ format: null, error: null });
  const names = useMemo<ActorNames>(
    () => Object.fromEntries((members.data?.items ?? []).map((m) => [m.user_id, m.full_name || m.email])),
    [members.data],
  );

  const download = async (format: 'json' | 'csv') => {
    setExporting({ format, error: null });
    try {
      await exportConsent(contact.id, format);
      setExporting({ format: null, error: null });
    } catch (error) {
      setExporting({ format: null, error });
    }
  };

  return (
    <Card
      title={t('consent.history')}
      description={t('consent.history_intro')}
      actions={
        <div className="button-row">
          <Button size="sm" variant="secondary" loading={exporting.format === 'json'} onClick={() => download('json')}>
            {t('consent.export_json')}
          </Button>
          <Button size="sm" variant="secondary" loading={exporting.format === 'csv'} onClick={() => download('csv')}>
            {t('consent.export_csv')}
          </Button>
        </div>
      }
    >
      <ErrorMessage error={exporting.error ?? history.error} />
      {history.isPending ? <Spinner /> : null}
      {history.data ? <ConsentTimeline history={history.data} names={names} /> : null}
    </Card>
  );
}

function BackToContacts() {
  const { t } = useI18n();
  return (
    <p className="back-link">
      <Link to="/contacts">
        <span aria-hidden="true" className="flip">
          ←
        </span>{' '}
        {t('contacts.back')}
      </Link>
    </p>
  );
}
