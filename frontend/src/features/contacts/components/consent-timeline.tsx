import { Alert, Badge, EmptyState } from '../../../components/ui';
import { hasMessage, useI18n, type MessageKey } from '../../../lib/i18n';
import type { ConsentEvent, ConsentHistory } from '../api/contacts';

/** user id -> display name (the workspace's members), to name the actor of an event. */
export type ActorNames = Record<string, string>;

const CHAIN_REASONS: Record<string, MessageKey> = {
  'sequence gap': 'consent.chain_reason.gap',
  'link to the previous event broken': 'consent.chain_reason.link',
  'event altered': 'consent.chain_reason.altered',
  'personal field altered': 'consent.chain_reason.personal',
};

/** The result of the ledger's chain check: valid, or broken at an event with the reason. */
export function ChainStatus({ chain }: { chain: ConsentHistory['chain'] }) {
  const { t } = useI18n();
  if (chain.valid) {
    return (
      <Alert kind="success">
        <span data-testid="chain-status" data-valid="true">
          <span aria-hidden="true">✓ </span>
          {t('consent.chain_valid', { count: chain.events })}
        </span>
      </Alert>
    );
  }
  const reasonKey = chain.reason ? CHAIN_REASONS[chain.reason] : undefined;
  const reason = reasonKey ? t(reasonKey) : (chain.reason ?? t('common.none'));
  return (
    <Alert kind="error">
      <span data-testid="chain-status" data-valid="false">
        <span aria-hidden="true">✗ </span>
        {chain.broken_at_seq !== null ? t('consent.chain_broken_at', { seq: chain.broken_at_seq, reason }) : t('consent.chain_broken', { reason })}
      </span>
      <span className="block muted">{t('consent.chain_broken_help')}</span>
    </Alert>
  );
}

function sourceLabel(source: string, t: (key: MessageKey) => string): string {
  const key = `consent.source.${source}`;
  return hasMessage(key) ? t(key) : source;
}

function Actor({ event, names }: { event: ConsentEvent; names: ActorNames }) {
  const { t } = useI18n();
  if (event.actor_user_id) return <>{names[event.actor_user_id] ?? t('consent.actor_member')}</>;
  if (event.actor_api_key_id) return <>{t('consent.actor_api_key', { id: event.actor_api_key_id.slice(0, 8) })}</>;
  if (['inbound_keyword', 'web_form', 'web_form_confirmed'].includes(event.source)) return <>{t('consent.actor_person')}</>;
  if (event.source === 'meta_user_preferences') return <>{t('consent.actor_meta')}</>;
  return <>{t('audit.system')}</>;
}

/** The consent ledger of a contact, newest first, with the chain check on top. */
export function ConsentTimeline({ history, names = {} }: { history: ConsentHistory; names?: ActorNames }) {
  const { t, formatDateTime } = useI18n();
  const events = [...history.items].sort((a, b) => b.seq - a.seq);
  const brokenAt = history.chain.valid ? null : history.chain.broken_at_seq;

  return (
    <div className="consent-history">
      <ChainStatus chain={history.chain} />
      {events.length === 0 ? <EmptyState>{t('consent.no_events')}</EmptyState> : null}
      <ol className="timeline" data-testid="consent-timeline" aria-label={t('consent.history')}>
        {events.map((e) => {
          const isBroken = brokenAt !== null && e.seq === brokenAt;
          return (
            <li key={e.id} className={['timeline-item', `timeline-${e.status}`, e.effective ? '' : 'timeline-ineffective', isBroken ? 'timeline-broken' : ''].join(' ').trim()} data-seq={e.seq}>
              <span className="timeline-dot" aria-hidden="true" />
              <div className="timeline-body">
                <div className="timeline-head">
                  <span className="muted mono">#{e.seq}</span>
                  <Badge tone={e.status === 'opted_in' ? 'success' : 'danger'}>{t(e.status === 'opted_in' ? 'consent.state.opted_in' : 'consent.state.opted_out')}</Badge>
                  <Badge tone="neutral">{hasMessage(`consent.purpose.${e.purpose}`) ? t(`consent.purpose.${e.purpose}` as MessageKey) : e.purpose}</Badge>
                  {!e.effective ? <Badge tone="warning">{t('consent.not_applied')}</Badge> : null}
                  {isBroken ? <Badge tone="danger">{t('consent.chain_breaks_here')}</Badge> : null}
                  <time className="muted timeline-time" dateTime={e.occurred_at}>
                    {formatDateTime(e.occurred_at)}
                  </time>
                </div>
                {!e.effective ? (
                  <p className="timeline-warning" role="note">
                    {e.status === 'opted_in' ? t('consent.not_effective_optin') : t('consent.not_effective')}
                  </p>
                ) : null}
                <dl className="timeline-meta">
                  <div>
                    <dt>{t('consent.source')}</dt>
                    <dd>
                      {sourceLabel(e.source, t)}
                      {e.source_ref ? (
                        <span className="muted mono" dir="ltr">
                          {' '}
                          ({e.source_ref})
                        </span>
                      ) : null}
                    </dd>
                  </div>
                  <div>
                    <dt>{t('consent.actor')}</dt>
                    <dd>
                      <Actor event={e} names={names} />
                    </dd>
                  </div>
                  {e.ip ? (
                    <div>
                      <dt>{t('consent.ip')}</dt>
                      <dd className="mono" dir="ltr">
                        {e.ip}
                      </dd>
                    </div>
                  ) : null}
                  {e.user_agent ? (
                    <div className="timeline-wide">
                      <dt>{t('consent.user_agent')}</dt>
                      <dd className="mono small" dir="ltr">
                        {e.user_agent}
                      </dd>
                    </div>
                  ) : null}
                </dl>
                {e.evidence ? (
                  <figure className="evidence">
                    <figcaption className="muted">{t('consent.evidence')}</figcaption>
                    <blockquote dir="auto">{e.evidence}</blockquote>
                  </figure>
                ) : null}
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
