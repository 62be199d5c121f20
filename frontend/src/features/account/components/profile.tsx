import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Card, Checkbox, ErrorMessage, Field, PageHeader, Select, Spinner } from '../../../components/ui';
import { isLocale, useI18n, type Locale } from '../../../lib/i18n';
import { useMe, useUpdateMe } from '../api/account';

export function ProfilePage() {
  const { t, setLocale } = useI18n();
  const me = useMe();
  const update = useUpdateMe();
  const [form, setForm] = useState({ full_name: '', phone: '', locale: 'en' as Locale, marketing_emails: false });

  useEffect(() => {
    if (me.data) {
      setForm({
        full_name: me.data.full_name ?? '',
        phone: me.data.phone ?? '',
        locale: isLocale(me.data.locale) ? me.data.locale : 'en',
        marketing_emails: Boolean(me.data.marketing_emails),
      });
    }
  }, [me.data]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate(
      {
        full_name: form.full_name.trim(),
        phone: form.phone.trim() || null,
        locale: form.locale,
        marketing_emails: form.marketing_emails,
      },
      { onSuccess: () => setLocale(form.locale) },
    );
  };

  if (me.isPending) return <Spinner />;
  if (me.error) return <ErrorMessage error={me.error} />;

  return (
    <>
      <PageHeader title={t('profile.title')} description={t('profile.intro')} />
      <Card>
        <form onSubmit={submit} className="form-grid" noValidate>
          {update.isSuccess ? <Alert kind="success">{t('common.saved')}</Alert> : null}
          <ErrorMessage error={update.error} />
          <div className="field">
            <span className="label">{t('common.email')}</span>
            <p className="static-value" dir="ltr">
              {me.data.email}{' '}
              {me.data.email_verified ? (
                <Badge tone="success">{t('profile.email_verified')}</Badge>
              ) : (
                <Badge tone="warning">{t('profile.email_unverified')}</Badge>
              )}
            </p>
          </div>
          <Field label={t('auth.full_name')} name="full_name" required value={form.full_name} onChange={(e) => setForm({ ...form, full_name: e.target.value })} />
          <Field label={t('auth.phone')} type="tel" name="phone" value={form.phone} onChange={(e) => setForm({ ...form, phone: e.target.value })} dir="ltr" />
          <Select label={t('profile.language')} name="locale" value={form.locale} onChange={(e) => setForm({ ...form, locale: e.target.value as Locale })}>
            <option value="en">{t('lang.en')}</option>
            <option value="ar">{t('lang.ar')}</option>
          </Select>
          <Checkbox label={t('profile.marketing_emails')} checked={form.marketing_emails} onChange={(e) => setForm({ ...form, marketing_emails: e.target.checked })} />
          <div className="form-actions">
            <Button type="submit" loading={update.isPending}>
              {t('common.save')}
            </Button>
          </div>
        </form>
      </Card>
    </>
  );
}
