import { Badge } from '../../../components/ui';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import type { Template, TemplateStatus } from '../api/templates';

type Tone = 'neutral' | 'success' | 'warning' | 'danger' | 'info';

const STATUS_TONE: Record<TemplateStatus, Tone> = {
  DRAFT: 'neutral',
  PENDING: 'info',
  APPROVED: 'success',
  REJECTED: 'danger',
  PAUSED: 'warning',
  DISABLED: 'danger',
  FLAGGED: 'warning',
  IN_APPEAL: 'info',
  REINSTATED: 'success',
  PENDING_DELETION: 'neutral',
  DELETED: 'neutral',
  ARCHIVED: 'neutral',
  UNARCHIVED: 'success',
  LIMIT_EXCEEDED: 'warning',
  LOCKED: 'warning',
};

export function StatusBadge({ status }: { status: TemplateStatus }) {
  const { t } = useI18n();
  return (
    <Badge tone={STATUS_TONE[status] ?? 'neutral'}>
      <span data-status={status}>{t(`templates.status.${status}` as MessageKey)}</span>
    </Badge>
  );
}

const QUALITY_TONE: Record<NonNullable<Template['quality_score']>, Tone> = { GREEN: 'success', YELLOW: 'warning', RED: 'danger', UNKNOWN: 'neutral' };

export function QualityBadge({ quality }: { quality: Template['quality_score'] }) {
  const { t } = useI18n();
  if (!quality) return null;
  return (
    <Badge tone={QUALITY_TONE[quality]}>
      <span data-quality={quality}>{t(`templates.quality.${quality}` as MessageKey)}</span>
    </Badge>
  );
}

export function CategoryLabel({ category }: { category: Template['category'] }) {
  const { t } = useI18n();
  return <>{t(`templates.category.${category}` as MessageKey)}</>;
}
