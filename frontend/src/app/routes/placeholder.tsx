import { PageHeader } from '../../components/ui';
import { useI18n, type MessageKey } from '../../lib/i18n';

export function ComingSoon({ area }: { area: MessageKey }) {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t(area)} />
      <div className="card coming-soon">
        <div className="coming-soon-icon" aria-hidden="true">
          ✦
        </div>
        <p>{t('placeholder.text')}</p>
      </div>
    </>
  );
}

export function NotFound() {
  const { t } = useI18n();
  return (
    <div className="auth-card card">
      <h1>{t('notfound.title')}</h1>
      <p>{t('notfound.text')}</p>
      <a className="btn btn-primary" href="/">
        {t('notfound.home')}
      </a>
    </div>
  );
}

export function Forbidden() {
  const { t } = useI18n();
  return <div className="card">{t('forbidden.text')}</div>;
}
