import { Link } from 'react-router-dom';
import { useI18n } from '../../../lib/i18n';
import { useDevOutbox } from '../api/dev-outbox';

/** A link to the dev outbox, shown only where the endpoint answers (never in production). */
export function DevOutboxLink() {
  const { t } = useI18n();
  const outbox = useDevOutbox();
  if (!outbox.isSuccess) return null;
  return (
    <p className="auth-footer">
      <Link to="/dev/outbox">{t('auth.dev_outbox')}</Link>
    </p>
  );
}
