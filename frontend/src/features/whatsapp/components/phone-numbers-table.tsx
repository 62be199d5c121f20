import { Badge, EmptyState } from '../../../components/ui';
import { hasMessage, useI18n, type MessageKey } from '../../../lib/i18n';
import type { PhoneNumber } from '../api/whatsapp';

const QUALITY_TONE = { GREEN: 'success', YELLOW: 'warning', RED: 'danger', UNKNOWN: 'neutral' } as const;
type Quality = keyof typeof QUALITY_TONE;

export function QualityBadge({ rating }: { rating: string | null }) {
  const { t } = useI18n();
  const quality: Quality = rating && rating.toUpperCase() in QUALITY_TONE ? (rating.toUpperCase() as Quality) : 'UNKNOWN';
  return (
    <Badge tone={QUALITY_TONE[quality]}>
      <span data-quality={quality}>{t(`whatsapp.quality.${quality}` as MessageKey)}</span>
    </Badge>
  );
}

export function PhoneNumbersTable({ numbers }: { numbers: PhoneNumber[] }) {
  const { t, formatDateTime } = useI18n();
  if (numbers.length === 0) return <EmptyState>{t('whatsapp.numbers_empty')}</EmptyState>;

  /** A known level gets its translation; an unknown one is shown as sent. */
  const throughput = (value: string | null) => {
    if (!value) return t('common.none');
    const key = `whatsapp.throughput.${value}`;
    return hasMessage(key) ? t(key) : value;
  };
  /** TIER_250 -> "250 customers / 24 h"; TIER_UNLIMITED -> "Unlimited". */
  const tier = (value: string | null) => {
    if (!value) return t('common.none');
    if (value === 'TIER_UNLIMITED') return t('whatsapp.tier_unlimited');
    const match = /^TIER_(\w+)$/.exec(value);
    return match ? t('whatsapp.tier', { count: match[1]! }) : value;
  };

  return (
    <div className="table-wrap">
      <table className="table" data-testid="phone-numbers-table">
        <thead>
          <tr>
            <th>{t('whatsapp.number')}</th>
            <th>{t('whatsapp.verified_name')}</th>
            <th>{t('whatsapp.quality')}</th>
            <th>{t('whatsapp.throughput')}</th>
            <th>{t('whatsapp.messaging_limit')}</th>
            <th>{t('whatsapp.refreshed_at')}</th>
          </tr>
        </thead>
        <tbody>
          {numbers.map((n) => (
            <tr key={n.phone_number_id}>
              <td className="cell-primary">
                <bdi dir="ltr" className="nowrap">{n.display_phone_number ?? t('common.none')}</bdi>
                <div className="muted mono" dir="ltr">
                  {n.phone_number_id}
                </div>
              </td>
              <td>{n.verified_name ?? t('common.none')}</td>
              <td>
                <QualityBadge rating={n.quality_rating} />
              </td>
              <td>{throughput(n.throughput_level)}</td>
              <td>{tier(n.messaging_limit)}</td>
              <td>{formatDateTime(n.refreshed_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
