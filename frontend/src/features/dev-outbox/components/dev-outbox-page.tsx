import { Alert, Button, EmptyState, ErrorMessage, Spinner } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { isOutboxDisabled, useDevOutbox } from '../api/dev-outbox';
import { linkify } from './linkify';

/** Development only: the mails QMS would have sent (verification, password reset, invitations). */
export function DevOutboxPage() {
  const { t, formatDateTime } = useI18n();
  const outbox = useDevOutbox();
  const disabled = isOutboxDisabled(outbox.error);
  const mails = [...(outbox.data?.items ?? [])].sort((a, b) => b.created_at.localeCompare(a.created_at));

  return (
    <article className="outbox-page card">
      <header className="page-header">
        <div>
          <h1>{t('outbox.title')}</h1>
          <p className="page-description">{t('outbox.intro')}</p>
        </div>
        {!disabled ? (
          <div className="page-actions">
            <Button variant="secondary" loading={outbox.isFetching} onClick={() => void outbox.refetch()}>
              {t('common.refresh')}
            </Button>
          </div>
        ) : null}
      </header>
      {disabled ? (
        <Alert kind="info">{t('outbox.disabled')}</Alert>
      ) : (
        <>
          <Alert kind="warning">{t('outbox.notice')}</Alert>
          <ErrorMessage error={outbox.error} />
          {outbox.isPending ? <Spinner /> : null}
          {outbox.data && mails.length === 0 ? <EmptyState>{t('outbox.empty')}</EmptyState> : null}
          {mails.length > 0 ? (
            <ol className="outbox-list" aria-label={t('outbox.mails')}>
              {mails.map((mail) => (
                <li key={mail.id} className="outbox-mail" data-testid="outbox-mail">
                  <dl className="outbox-meta">
                    <dt>{t('outbox.to')}</dt>
                    <dd dir="ltr">{mail.to}</dd>
                    <dt>{t('outbox.subject')}</dt>
                    <dd className="outbox-subject">{mail.subject}</dd>
                    <dt>{t('outbox.queued')}</dt>
                    <dd>{formatDateTime(mail.created_at)}</dd>
                  </dl>
                  {/* Mails are written in English; keep their direction whatever the UI language. */}
                  {mail.body !== null ? (
                    <p className="outbox-body" dir="ltr" lang="en">
                      {linkify(mail.body)}
                    </p>
                  ) : (
                    <p className="muted">{t('outbox.no_body')}</p>
                  )}
                </li>
              ))}
            </ol>
          ) : null}
        </>
      )}
    </article>
  );
}
