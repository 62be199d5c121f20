import { useState, type FormEvent } from 'react';
import {
  Alert,
  Badge,
  Button,
  Card,
  ConfirmButton,
  CopyField,
  EmptyState,
  ErrorMessage,
  Field,
  PageHeader,
  Spinner,
} from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import {
  useChangePassword,
  useMe,
  useRevokeSession,
  useSessions,
  useTotpDisable,
  useTotpEnable,
  useTotpSetup,
} from '../api/account';

export function SecurityPage() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('settings.security')} />
      <ChangePasswordCard />
      <TwoFactorCard />
      <SessionsCard />
    </>
  );
}

function ChangePasswordCard() {
  const { t } = useI18n();
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [tooShort, setTooShort] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const short = next.length < 10;
    setTooShort(short);
    if (short) return;
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          setCurrent('');
          setNext('');
        },
      },
    );
  };

  return (
    <Card title={t('password.title')}>
      <form onSubmit={submit} className="form-grid" noValidate>
        {change.isSuccess ? <Alert kind="success">{t('password.changed')}</Alert> : null}
        <ErrorMessage error={change.error} />
        <Field label={t('password.current')} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required dir="ltr" />
        <Field
          label={t('password.new')}
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          hint={t('auth.password_hint')}
          error={tooShort ? t('auth.password_too_short') : null}
          required
          dir="ltr"
        />
        <div className="form-actions">
          <Button type="submit" loading={change.isPending}>
            {t('password.submit')}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function TwoFactorCard() {
  const { t } = useI18n();
  const me = useMe();
  const setup = useTotpSetup();
  const enable = useTotpEnable();
  const disable = useTotpDisable();
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [disableCode, setDisableCode] = useState('');
  const [showDisable, setShowDisable] = useState(false);

  if (!me.data) return null;

  // Recovery codes are shown once, right after enabling.
  if (enable.data) {
    return (
      <Card title={t('totp.recovery_title')}>
        <Alert kind="warning">{t('totp.recovery_text')}</Alert>
        <ul className="recovery-codes mono" dir="ltr" data-testid="recovery-codes">
          {enable.data.recovery_codes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        <CopyField label={t('common.copy')} value={enable.data.recovery_codes.join('\n')} />
        <div className="form-actions">
          <Button
            onClick={() => {
              enable.reset();
              setup.reset();
              setCode('');
            }}
          >
            {t('totp.recovery_done')}
          </Button>
        </div>
      </Card>
    );
  }

  if (me.data.totp_enabled) {
    return (
      <Card title={t('totp.title')} description={t('totp.intro')}>
        <p>
          <Badge tone="success">{t('totp.enabled')}</Badge>
        </p>
        {showDisable ? (
          <form
            className="form-grid"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              disable.mutate(
                { password, code: disableCode.trim() },
                {
                  onSuccess: () => {
                    setShowDisable(false);
                    setPassword('');
                    setDisableCode('');
                  },
                },
              );
            }}
          >
            <p className="muted">{t('totp.disable_intro')}</p>
            <ErrorMessage error={disable.error} />
            <Field label={t('common.password')} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} dir="ltr" />
            <Field label={t('totp.code')} autoComplete="one-time-code" value={disableCode} onChange={(e) => setDisableCode(e.target.value)} dir="ltr" />
            <div className="form-actions">
              <Button variant="secondary" onClick={() => setShowDisable(false)}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" variant="danger" loading={disable.isPending}>
                {t('totp.disable_submit')}
              </Button>
            </div>
          </form>
        ) : (
          <Button variant="secondary" onClick={() => setShowDisable(true)}>
            {t('totp.disable')}
          </Button>
        )}
      </Card>
    );
  }

  return (
    <Card title={t('totp.title')} description={t('totp.intro')}>
      {disable.isSuccess ? <Alert kind="success">{t('totp.disabled_ok')}</Alert> : null}
      <p>
        <Badge tone="warning">{t('totp.disabled')}</Badge>
      </p>
      <ErrorMessage error={setup.error} />
      {setup.data ? (
        <form
          className="form-grid"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            enable.mutate(code.trim());
          }}
        >
          <p>{t('totp.scan')}</p>
          <CopyField label={t('totp.secret')} value={setup.data.secret} testId="totp-secret" />
          <CopyField label={t('totp.uri')} value={setup.data.otpauth_uri} testId="totp-uri" />
          <ErrorMessage error={enable.error} />
          <Field label={t('totp.code')} inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} dir="ltr" />
          <div className="form-actions">
            <Button type="submit" loading={enable.isPending}>
              {t('totp.enable')}
            </Button>
          </div>
        </form>
      ) : (
        <Button onClick={() => setup.mutate()} loading={setup.isPending}>
          {t('totp.setup')}
        </Button>
      )}
    </Card>
  );
}

function SessionsCard() {
  const { t, formatDateTime } = useI18n();
  const sessions = useSessions();
  const revoke = useRevokeSession();
  return (
    <Card title={t('sessions.title')} description={t('sessions.intro')}>
      <ErrorMessage error={sessions.error ?? revoke.error} />
      {sessions.isPending ? <Spinner /> : null}
      {sessions.data && sessions.data.items.length === 0 ? <EmptyState>{t('sessions.empty')}</EmptyState> : null}
      {sessions.data && sessions.data.items.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>{t('sessions.device')}</th>
                <th>{t('sessions.ip')}</th>
                <th>{t('sessions.started')}</th>
                <th>{t('sessions.last_used')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.items.map((s) => (
                <tr key={s.id}>
                  <td className="truncate" title={s.user_agent ?? undefined}>
                    {s.user_agent || t('sessions.unknown_device')}{' '}
                    {s.current ? <Badge tone="info">{t('sessions.current')}</Badge> : null}
                  </td>
                  <td dir="ltr">{s.ip ?? t('common.none')}</td>
                  <td>{formatDateTime(s.created_at)}</td>
                  <td>{formatDateTime(s.last_used_at)}</td>
                  <td className="cell-actions">
                    {s.current ? null : (
                      <ConfirmButton size="sm" confirm={t('sessions.revoke_confirm')} onConfirm={() => revoke.mutate(s.id)}>
                        {t('common.revoke')}
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}
