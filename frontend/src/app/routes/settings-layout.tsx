import { NavLink, Outlet } from 'react-router-dom';
import { useAuth } from '../../lib/auth-store';
import { useI18n } from '../../lib/i18n';
import { hasRole } from '../../lib/roles';

export function SettingsLayout() {
  const { t } = useI18n();
  const { role } = useAuth();
  const links = [
    { to: 'profile', label: t('settings.profile') },
    { to: 'security', label: t('settings.security') },
    { to: 'workspace', label: t('settings.workspace') },
    { to: 'team', label: t('settings.team') },
    { to: 'api-keys', label: t('settings.api_keys') },
    { to: 'whatsapp', label: t('settings.whatsapp') },
    { to: 'keywords', label: t('settings.keywords') },
    ...(hasRole(role, 'admin') ? [{ to: 'audit', label: t('settings.audit') }] : []),
  ];
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label={t('settings.nav')}>
        {links.map((l) => (
          <NavLink key={l.to} to={l.to} className={({ isActive }) => (isActive ? 'active' : undefined)}>
            {l.label}
          </NavLink>
        ))}
      </nav>
      <div className="settings-content">
        <Outlet />
      </div>
    </div>
  );
}
