import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { LanguageToggle } from '../components/language-toggle';
import { Footer } from '../components/layouts/footer';
import { Logo } from '../components/layouts/public-layout';
import { Alert, Button } from '../components/ui';
import { Icon, type IconName } from '../components/ui/icon';
import { useMe, useResendVerification } from '../features/account/api/account';
import { useSignOut } from '../features/auth/api/auth';
import { WorkspaceSwitcher } from '../features/workspace/components/workspace-switcher';
import { useI18n, type MessageKey } from '../lib/i18n';
import { problemMessage } from '../lib/problem';

const NAV: { to: string; label: MessageKey; icon: IconName; end?: boolean }[] = [
  { to: '/', label: 'nav.dashboard', icon: 'dashboard', end: true },
  { to: '/inbox', label: 'nav.inbox', icon: 'inbox' },
  { to: '/contacts', label: 'nav.contacts', icon: 'contacts' },
  { to: '/templates', label: 'nav.templates', icon: 'templates' },
  { to: '/campaigns', label: 'nav.campaigns', icon: 'campaigns' },
  { to: '/analytics', label: 'nav.analytics', icon: 'analytics' },
  { to: '/whatsapp', label: 'nav.whatsapp', icon: 'whatsapp' },
  { to: '/settings', label: 'nav.settings', icon: 'settings' },
];

export function AppShell() {
  const { t } = useI18n();
  const [navOpen, setNavOpen] = useState(false);
  const location = useLocation();

  useEffect(() => setNavOpen(false), [location.pathname]);

  return (
    <div className={`app-shell${navOpen ? ' nav-open' : ''}`}>
      <a href="#main" className="skip-link">
        {t('common.skip_to_content')}
      </a>
      <aside className="sidebar" id="sidebar">
        <div className="sidebar-brand">
          <Logo />
          <button type="button" className="btn btn-ghost icon-button sidebar-close" onClick={() => setNavOpen(false)} aria-label={t('nav.close_menu')}>
            <Icon name="close" />
          </button>
        </div>
        <div className="sidebar-workspace">
          <WorkspaceSwitcher />
        </div>
        <nav aria-label={t('nav.main')} className="sidebar-nav">
          {NAV.map((item) => (
            <NavLink key={item.to} to={item.to} end={item.end} className={({ isActive }) => (isActive ? 'active' : undefined)}>
              <Icon name={item.icon} />
              <span>{t(item.label)}</span>
            </NavLink>
          ))}
        </nav>
      </aside>
      <div className="sidebar-scrim" onClick={() => setNavOpen(false)} aria-hidden="true" />
      <div className="app-main">
        <header className="topbar">
          <button
            type="button"
            className="btn btn-ghost icon-button menu-button"
            onClick={() => setNavOpen(true)}
            aria-label={t('nav.open_menu')}
            aria-controls="sidebar"
            aria-expanded={navOpen}
          >
            <Icon name="menu" />
          </button>
          <div className="topbar-spacer" />
          <LanguageToggle />
          <UserMenu />
        </header>
        <VerifyEmailBanner />
        <main id="main" className="content">
          <Outlet />
        </main>
        <Footer />
      </div>
    </div>
  );
}

function VerifyEmailBanner() {
  const { t } = useI18n();
  const me = useMe();
  const resend = useResendVerification();
  if (!me.data || me.data.email_verified) return null;
  return (
    <div className="banner">
      <Alert
        kind="warning"
        action={
          resend.isSuccess ? null : (
            <Button size="sm" variant="secondary" loading={resend.isPending} onClick={() => resend.mutate()}>
              {t('shell.resend_verification')}
            </Button>
          )
        }
      >
        {resend.isSuccess ? t('shell.verification_sent') : resend.error ? problemMessage(resend.error, t) : t('shell.email_unverified')}
      </Alert>
    </div>
  );
}

function UserMenu() {
  const { t } = useI18n();
  const me = useMe();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const name = me.data?.full_name || me.data?.email || '';
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join('');

  return (
    <div className="user-menu" ref={ref}>
      <button type="button" className="avatar-button" aria-haspopup="menu" aria-expanded={open} aria-label={t('shell.user_menu')} onClick={() => setOpen((o) => !o)}>
        <span className="avatar">{initials || '·'}</span>
      </button>
      {open ? (
        <div className="menu" role="menu">
          <div className="menu-header">
            <strong>{me.data?.full_name}</strong>
            <span className="muted" dir="ltr">
              {me.data?.email}
            </span>
          </div>
          <button
            type="button"
            role="menuitem"
            onClick={() => {
              setOpen(false);
              navigate('/settings/profile');
            }}
          >
            {t('shell.my_profile')}
          </button>
          <button
            type="button"
            role="menuitem"
            // Signing out unmounts the shell; the route guard then shows the sign-in page.
            onClick={() => signOut.mutate()}
          >
            {t('shell.sign_out')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
