import { useId, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { Button, Checkbox, Dialog, ErrorMessage, Field, Select, TextArea, useFocusError, useProblemFields } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { ApiError, errorCode } from '../../../lib/problem';
import { splitTags, typedFieldValue, useContactFields, useCreateContact, type Contact, type ContactInput, type Purpose } from '../api/contacts';
import { CustomFieldInputs } from './custom-field-inputs';

const empty = { phone: '', name: '', language: '', tags: '', withConsent: false, status: 'opted_in' as 'opted_in' | 'opted_out', purpose: 'marketing' as Purpose, evidence: '' };

/** Create a contact; its phone is normalised to E.164 (local numbers use the workspace's default country). */
export function NewContactDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated?: (contact: Contact) => void }) {
  const { t } = useI18n();
  const formId = useId();
  const create = useCreateContact();
  const fields = useContactFields();
  const [form, setForm] = useState(empty);
  const [custom, setCustom] = useState<Record<string, string | boolean>>({});
  const [errors, setErrors] = useState<{ phone?: string; evidence?: string }>({});
  const formRef = useRef<HTMLFormElement>(null);
  const server = useProblemFields(create.error);
  const [attempt, setAttempt] = useState(0);

  const close = () => {
    setForm(empty);
    setCustom({});
    setErrors({});
    create.reset();
    onClose();
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next: typeof errors = {};
    if (!form.phone.trim()) next.phone = t('auth.required');
    if (form.withConsent && form.evidence.trim().length < 3) next.evidence = t('consent.evidence_required');
    setErrors(next);
    if (Object.keys(next).length > 0) return setAttempt((a) => a + 1);
    const values: Record<string, unknown> = {};
    for (const f of fields.data?.items ?? []) {
      const raw = custom[f.key];
      if (raw === undefined) continue;
      const value = typedFieldValue(f.type, raw);
      if (value !== undefined) values[f.key] = value;
    }
    const body: ContactInput = {
      phone: form.phone.trim(),
      ...(form.name.trim() ? { name: form.name.trim() } : {}),
      ...(form.language.trim() ? { language: form.language.trim() } : {}),
      tags: splitTags(form.tags),
      fields: values,
      ...(form.withConsent ? { consent: { status: form.status, purpose: form.purpose, evidence: form.evidence.trim() } } : {}),
    };
    create.mutate(body, {
      onSuccess: (contact) => {
        onCreated?.(contact);
        close();
      },
    });
  };

  const code = server.stale ? undefined : errorCode(create.error);
  const duplicateId = code === 'contacts.duplicate_phone' && create.error instanceof ApiError ? create.error.problem.contact_id : undefined;
  // Move the focus to the first invalid field (the alert when none is) after each failed attempt.
  useFocusError(formRef, attempt);
  useFocusError(formRef, create.error);
  // The request paths of the fields shown, so an error only about them is summarised.
  const shown = ['phone', 'name', 'language', 'tags', 'consent.evidence', ...(fields.data?.items ?? []).map((f) => `fields.${f.key}`)];
  const customErrors = Object.fromEntries(
    Object.entries(server.fields)
      .filter(([k]) => k.startsWith('fields.'))
      .map(([k, v]) => [k.slice('fields.'.length), v]),
  );
  const set = (key: keyof typeof empty) => (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, [key]: e.target.value }));
    server.clear(key === 'evidence' ? 'consent.evidence' : key);
    if (key === 'phone' || key === 'evidence') setErrors(({ [key]: _, ...rest }) => rest);
  };

  return (
    <Dialog
      open={open}
      title={t('contacts.new')}
      onClose={close}
      footer={
        <>
          <Button variant="secondary" onClick={close}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" form={formId} loading={create.isPending}>
            {t('contacts.create')}
          </Button>
        </>
      }
    >
      <form id={formId} ref={formRef} onSubmit={submit} noValidate aria-label={t('contacts.new')}>
        <ErrorMessage error={server.stale ? null : create.error} fields={shown} />
        <Field
          label={t('contacts.phone')}
          type="tel"
          name="phone"
          autoComplete="off"
          value={form.phone}
          onChange={set('phone')}
          hint={t('contacts.phone_hint')}
          error={
            errors.phone ??
            (server.message('phone') && typeof duplicateId === 'string' ? (
              <>
                {server.message('phone')}{' '}
                <Link to={`/contacts/${duplicateId}`} onClick={close}>
                  {t('contacts.open_existing')}
                </Link>
              </>
            ) : (
              server.message('phone')
            ))
          }
          required
          dir="ltr"
        />
        <Field label={t('common.name')} name="name" value={form.name} onChange={set('name')} dir="auto" error={server.message('name')} />
        <Field label={t('contacts.language')} name="language" value={form.language} onChange={set('language')} placeholder="ar, en" hint={t('contacts.language_hint')} dir="ltr" maxLength={16} error={server.message('language')} />
        <Field label={t('contacts.tags')} name="tags" value={form.tags} onChange={set('tags')} hint={t('contacts.tags_hint')} dir="auto" error={server.message('tags')} />
        <CustomFieldInputs
          fields={fields.data?.items ?? []}
          values={custom}
          errors={customErrors}
          onChange={(next, key) => {
            setCustom(next);
            server.clear(`fields.${key}`);
          }}
        />
        <Checkbox label={t('contacts.record_consent_now')} checked={form.withConsent} onChange={(e) => setForm((f) => ({ ...f, withConsent: e.target.checked }))} />
        {form.withConsent ? (
          <fieldset className="scopes">
            <legend>{t('consent.title')}</legend>
            <div className="form-row">
              <Select label={t('consent.status')} value={form.status} onChange={set('status')}>
                <option value="opted_in">{t('consent.state.opted_in')}</option>
                <option value="opted_out">{t('consent.state.opted_out')}</option>
              </Select>
              <Select label={t('consent.purpose')} value={form.purpose} onChange={set('purpose')}>
                <option value="marketing">{t('consent.purpose.marketing')}</option>
                <option value="utility">{t('consent.purpose.utility')}</option>
              </Select>
            </div>
            <TextArea label={t('consent.evidence')} hint={t('consent.evidence_hint')} value={form.evidence} onChange={set('evidence')} error={errors.evidence ?? server.message('consent.evidence')} maxLength={4000} />
          </fieldset>
        ) : null}
      </form>
    </Dialog>
  );
}
