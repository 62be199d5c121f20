import { Badge } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';

const TONE = { opted_in: 'success', opted_out: 'danger', none: 'neutral' } as const;

/** A consent state: opted in / opted out / no consent. */
export function ConsentBadge({ state }: { state: string }) {
  const { t } = useI18n();
  const known = state === 'opted_in' || state === 'opted_out' ? state : 'none';
  return (
    <Badge tone={TONE[known]}>
      <span data-consent={known}>{t(`consent.state.${known}`)}</span>
    </Badge>
  );
}
