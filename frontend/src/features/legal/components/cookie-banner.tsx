import { Link } from 'react-router-dom';
import { Button } from '../../../components/ui';
import { storeConsent, useCookieBannerVisible } from '../../../lib/cookie-consent';
import { useI18n } from '../../../lib/i18n';

export function CookieBanner() {
  const { t } = useI18n();
  const visible = useCookieBannerVisible();
  if (!visible) return null;
  return (
    <section className="cookie-banner" role="region" aria-label={t('cookie.title')}>
      <div className="cookie-text">
        <strong>{t('cookie.title')}</strong>
        <p>
          {t('cookie.text')} <Link to="/privacy">{t('cookie.learn_more')}</Link>
        </p>
      </div>
      <div className="cookie-actions">
        <Button variant="secondary" onClick={() => storeConsent('essential')}>
          {t('cookie.essential')}
        </Button>
        <Button onClick={() => storeConsent('all')}>{t('cookie.all')}</Button>
      </div>
    </section>
  );
}
