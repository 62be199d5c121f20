import { useState, type FormEvent } from 'react';
import { Button, Card, EmptyState, ErrorMessage, Field, PageHeader, Spinner } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { useAuditEvents, type AuditFilters } from '../api/audit-events';

/** Date input (YYYY-MM-DD) to an RFC 3339 instant at the start or end of that UTC day. */
function dayBound(day: string, end: boolean): string | undefined {
  if (!day) return undefined;
  return `${day}T${end ? '23:59:59' : '00:00:00'}Z`;
}

export function AuditLogPage() {
  const { t, formatDateTime } = useI18n();
  const [draft, setDraft] = useState({ action: '', since: '', until: '' });
  const [filters, setFilters] = useState<AuditFilters>({});
  const events = useAuditEvents(filters);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters({
      action: draft.action.trim() || undefined,
      since: dayBound(draft.since, false),
      until: dayBound(draft.until, true),
    });
  };

  const items = events.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <PageHeader title={t('audit.title')} description={t('audit.intro')} />
      <Card>
        <form className="inline-form" onSubmit={apply} noValidate aria-label={t('common.filter')}>
          <Field label={t('audit.action')} placeholder={t('audit.action_placeholder')} value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} dir="ltr" />
          <Field label={t('audit.since')} type="date" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.target.value })} />
          <Field label={t('audit.until')} type="date" value={draft.until} onChange={(e) => setDraft({ ...draft, until: e.target.value })} />
          <Button type="submit">{t('common.filter')}</Button>
          <Button
            variant="ghost"
            onClick={() => {
              setDraft({ action: '', since: '', until: '' });
              setFilters({});
            }}
          >
            {t('common.clear')}
          </Button>
        </form>
        <ErrorMessage error={events.error} />
        {events.isPending ? <Spinner /> : null}
        {events.data && items.length === 0 ? <EmptyState>{t('audit.empty')}</EmptyState> : null}
        {items.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="audit-table">
              <thead>
                <tr>
                  <th>{t('audit.when')}</th>
                  <th>{t('audit.action')}</th>
                  <th>{t('audit.actor')}</th>
                  <th>{t('audit.target')}</th>
                  <th>{t('audit.ip')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((ev) => (
                  <tr key={ev.id}>
                    <td className="nowrap">{formatDateTime(ev.created_at)}</td>
                    <td>
                      <code dir="ltr">{ev.action}</code>
                    </td>
                    <td dir="auto">
                      {ev.actor_email ?? (ev.actor_api_key_id ? `${t('audit.api_key')} ${ev.actor_api_key_id.slice(0, 8)}` : t('audit.system'))}
                    </td>
                    <td className="mono muted" dir="ltr">
                      {ev.target_type ? `${ev.target_type}${ev.target_id ? `:${String(ev.target_id).slice(0, 8)}` : ''}` : t('common.none')}
                    </td>
                    <td dir="ltr">{ev.ip ?? t('common.none')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {events.hasNextPage ? (
          <div className="form-actions">
            <Button variant="secondary" loading={events.isFetchingNextPage} onClick={() => events.fetchNextPage()}>
              {t('common.load_more')}
            </Button>
          </div>
        ) : null}
      </Card>
    </>
  );
}
