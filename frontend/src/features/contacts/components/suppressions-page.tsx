import { useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Card, ConfirmButton, EmptyState, ErrorMessage, Field, PageHeader, Select, Spinner, useProblemFields } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { hasMessage, useI18n, type MessageKey } from '../../../lib/i18n';
import { errorCode, isolate, problemMessage } from '../../../lib/problem';
import { hasRole } from '../../../lib/roles';
import type { Purpose } from '../api/contacts';
import { maskedPhone, useCreateSuppression, useRemoveSuppression, useSuppressions } from '../api/suppressions';

/** The suppression list: numbers that must not be messaged (per purpose), kept as keyed hashes. */
export function SuppressionsPage() {
  const { t, formatDateTime } = useI18n();
  const { role } = useAuth();
  const canWrite = hasRole(role, 'marketer');
  const [purpose, setPurpose] = useState<Purpose | ''>('');
  const suppressions = useSuppressions(purpose);
  const remove = useRemoveSuppression();
  const [removed, setRemoved] = useState(false);
  const items = suppressions.data?.pages.flatMap((p) => p.items) ?? [];
  const locked = errorCode(remove.error) === 'consent.suppression_locked';

  return (
    <>
      <PageHeader title={t('suppressions.title')} description={t('suppressions.intro')} />
      {canWrite ? <AddSuppressionCard /> : null}
      <Card title={t('suppressions.list')}>
        <form className="inline-form" onSubmit={(e) => e.preventDefault()} aria-label={t('common.filter')}>
          <Select label={t('consent.purpose')} value={purpose} onChange={(e) => setPurpose(e.target.value as Purpose | '')}>
            <option value="">{t('suppressions.all_purposes')}</option>
            <option value="marketing">{t('consent.purpose.marketing')}</option>
            <option value="utility">{t('consent.purpose.utility')}</option>
          </Select>
        </form>
        {locked ? (
          <Alert kind="warning">
            <strong className="block">{t('suppressions.locked_title')}</strong>
            {problemMessage(remove.error, t)}
          </Alert>
        ) : (
          <ErrorMessage error={remove.error} />
        )}
        {removed && remove.isSuccess ? <Alert kind="success">{t('suppressions.removed')}</Alert> : null}
        <ErrorMessage error={suppressions.error} />
        {suppressions.isPending ? <Spinner /> : null}
        {suppressions.data && items.length === 0 ? <EmptyState>{t('suppressions.empty')}</EmptyState> : null}
        {items.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="suppressions-table">
              <thead>
                <tr>
                  <th>{t('suppressions.number')}</th>
                  <th>{t('consent.purpose')}</th>
                  <th>{t('consent.source')}</th>
                  <th className="hide-sm">{t('suppressions.reason')}</th>
                  <th className="hide-sm">{t('suppressions.since')}</th>
                  <th>
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id}>
                    <td className="cell-primary mono" dir="ltr">
                      {maskedPhone(s.phone_hint)}
                    </td>
                    <td>
                      <Badge tone={s.purpose === 'marketing' ? 'info' : 'neutral'}>{hasMessage(`consent.purpose.${s.purpose}`) ? t(`consent.purpose.${s.purpose}` as MessageKey) : s.purpose}</Badge>
                    </td>
                    <td>{hasMessage(`consent.source.${s.source}`) ? t(`consent.source.${s.source}` as MessageKey) : s.source}</td>
                    <td className="hide-sm" dir="auto">
                      {s.reason ?? t('common.none')}
                    </td>
                    <td className="hide-sm nowrap">{formatDateTime(s.created_at)}</td>
                    <td className="cell-actions">
                      {canWrite ? (
                        <ConfirmButton
                          size="sm"
                          variant="secondary"
                          loading={remove.isPending && remove.variables === s.id}
                          confirm={t('suppressions.remove_confirm', { number: isolate(maskedPhone(s.phone_hint)) })}
                          confirmLabel={t('common.remove')}
                          onConfirm={() => {
                            setRemoved(false);
                            remove.mutate(s.id, { onSuccess: () => setRemoved(true) });
                          }}
                        >
                          {t('common.remove')}
                        </ConfirmButton>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {suppressions.hasNextPage ? (
          <div className="form-actions">
            <Button variant="secondary" loading={suppressions.isFetchingNextPage} onClick={() => suppressions.fetchNextPage()}>
              {t('common.load_more')}
            </Button>
          </div>
        ) : null}
      </Card>
    </>
  );
}

function AddSuppressionCard() {
  const { t } = useI18n();
  const create = useCreateSuppression();
  const [phone, setPhone] = useState('');
  const [purpose, setPurpose] = useState<Purpose>('marketing');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const server = useProblemFields(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!phone.trim()) return setError(t('auth.required'));
    setError(null);
    create.mutate(
      { phone: phone.trim(), purpose, ...(reason.trim() ? { reason: reason.trim() } : {}) },
      {
        onSuccess: () => {
          setPhone('');
          setReason('');
        },
      },
    );
  };
  const phoneError = error ?? server.message('phone');
  return (
    <Card title={t('suppressions.add')} description={t('suppressions.add_intro')}>
      <form className="inline-form" onSubmit={submit} noValidate aria-label={t('suppressions.add')}>
        <Field
          label={t('contacts.phone')}
          type="tel"
          value={phone}
          onChange={(e) => {
            setPhone(e.target.value);
            setError(null);
            server.clear('phone');
          }}
          error={phoneError}
          dir="ltr"
          autoComplete="off"
        />
        <Select label={t('consent.purpose')} value={purpose} onChange={(e) => setPurpose(e.target.value as Purpose)}>
          <option value="marketing">{t('consent.purpose.marketing')}</option>
          <option value="utility">{t('consent.purpose.utility')}</option>
        </Select>
        <Field
          label={
            <>
              {t('suppressions.reason')} <span className="muted">({t('common.optional')})</span>
            </>
          }
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={1000}
        />
        <Button type="submit" loading={create.isPending}>
          {t('suppressions.add_submit')}
        </Button>
      </form>
      <ErrorMessage error={server.stale ? null : create.error} fields={['phone']} />
      {create.isSuccess ? <Alert kind="success">{t('suppressions.added', { number: isolate(maskedPhone(create.data.phone_hint)) })}</Alert> : null}
    </Card>
  );
}
