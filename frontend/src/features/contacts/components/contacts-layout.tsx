import { NavLink, Outlet } from 'react-router-dom';
import { useI18n } from '../../../lib/i18n';

/** The contacts area: contacts, lists, segments, suppression list, custom fields. */
export function ContactsLayout() {
  const { t } = useI18n();
  const tabs = [
    { to: '/contacts', label: t('contacts.tab_contacts'), end: true },
    { to: '/contacts/lists', label: t('contacts.tab_lists') },
    { to: '/contacts/segments', label: t('contacts.tab_segments') },
    { to: '/contacts/suppressions', label: t('contacts.tab_suppressions') },
    { to: '/contacts/fields', label: t('contacts.tab_fields') },
  ];
  return (
    <>
      <nav className="subnav" aria-label={t('contacts.sections')}>
        {tabs.map((tab) => (
          <NavLink key={tab.to} to={tab.to} end={tab.end} className={({ isActive }) => (isActive ? 'active' : undefined)}>
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </>
  );
}
