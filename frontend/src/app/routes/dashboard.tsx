import { Link } from 'react-router-dom';
import { Card, PageHeader } from '../../components/ui';
import { useMe } from '../../features/account/api/account';
import { useAuth } from '../../lib/auth-store';
import { useI18n } from '../../lib/i18n';
import { hasRole } from '../../lib/roles';

export function DashboardPage() {
  const { t } = useI18n();
  const me = useMe();
  const { role } = useAuth();
  const steps = [
    { done: Boolean(me.data?.email_verified), label: t('dashboard.step_verify'), to: '/settings/profile' },
    ...(hasRole(role, 'admin')
      ? [
          { done: false, label: t('dashboard.step_team'), to: '/settings/team' },
          { done: false, label: t('dashboard.step_keys'), to: '/settings/api-keys' },
        ]
      : []),
    { done: Boolean(me.data?.totp_enabled), label: t('dashboard.step_2fa'), to: '/settings/security' },
  ];
  return (
    <>
      <PageHeader title={me.data ? t('dashboard.welcome', { name: me.data.full_name }) : t('dashboard.title')} description={t('dashboard.intro')} />
      <Card title={t('dashboard.next_steps')}>
        <ul className="checklist">
          {steps.map((s) => (
            <li key={s.to + s.label} className={s.done ? 'done' : undefined}>
              <span className="check" aria-hidden="true">
                {s.done ? '✓' : ''}
              </span>
              <Link to={s.to}>{s.label}</Link>
            </li>
          ))}
        </ul>
      </Card>
    </>
  );
}
