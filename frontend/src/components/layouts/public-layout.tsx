import { Link, Outlet } from 'react-router-dom';
import { useI18n } from '../../lib/i18n';
import { LanguageToggle } from '../language-toggle';
import { Footer } from './footer';

export function Logo() {
  const { t } = useI18n();
  return (
    <span className="logo">
      <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
        <rect width="32" height="32" rx="8" fill="currentColor" />
        <path d="M16 7a9 9 0 0 0-7.8 13.5L7 25l4.6-1.2A9 9 0 1 0 16 7z" fill="#fff" />
      </svg>
      <span className="logo-text">{t('app.name')}</span>
    </span>
  );
}

export function PublicLayout() {
  const { t } = useI18n();
  return (
    <div className="public-layout">
      <header className="public-header">
        <Link to="/" className="brand-link">
          <Logo />
        </Link>
        <LanguageToggle />
      </header>
      <main id="main" className="public-main">
        <p className="tagline">{t('app.tagline')}</p>
        <Outlet />
      </main>
      <Footer />
    </div>
  );
}
