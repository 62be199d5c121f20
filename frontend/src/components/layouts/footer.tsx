import { Link } from 'react-router-dom';
import { openCookieSettings } from '../../lib/cookie-consent';
import { useI18n } from '../../lib/i18n';

export function Footer() {
  const { t } = useI18n();
  return (
    <footer className="site-footer">
      <span>{t('footer.copyright', { year: new Date().getFullYear() })}</span>
      <nav className="footer-links">
        <Link to="/privacy">{t('footer.privacy')}</Link>
        <button type="button" className="link-button" onClick={openCookieSettings}>
          {t('footer.cookies')}
        </button>
      </nav>
    </footer>
  );
}
