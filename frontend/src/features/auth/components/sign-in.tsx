import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { Button, ErrorMessage, Field } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { errorCode } from '../../../lib/problem';
import { useLogin } from '../api/auth';

/** Only same-site relative paths are accepted as a post-login destination. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** `footer`: extra links under the form (the router adds the dev outbox link where it exists). */
export function SignInPage({ footer }: { footer?: ReactNode } = {}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totpCode, setTotpCode] = useState('');
  const [needsTotp, setNeedsTotp] = useState(false);
  const login = useLogin();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate(
      { email, password, ...(needsTotp ? { totp_code: totpCode.trim() } : {}) },
      {
        onSuccess: () => navigate(next, { replace: true }),
        onError: (error) => {
          if (errorCode(error) === 'auth.totp_required') setNeedsTotp(true);
        },
      },
    );
  };

  // The "code required" answer is a step, not an error.
  const shownError = errorCode(login.error) === 'auth.totp_required' ? null : login.error;

  if (needsTotp) {
    return (
      <div className="auth-card card">
        <h1>{t('auth.totp_title')}</h1>
        <p className="muted">{t('auth.totp_prompt')}</p>
        <form onSubmit={submit} noValidate>
          <ErrorMessage error={shownError} />
          <Field
            label={t('auth.totp_code')}
            name="totp_code"
            autoComplete="one-time-code"
            inputMode="text"
            autoFocus
            required
            value={totpCode}
            onChange={(e) => setTotpCode(e.target.value)}
            dir="ltr"
          />
          <Button type="submit" loading={login.isPending} className="btn-block">
            {t('auth.verify_code')}
          </Button>
        </form>
        <p className="auth-alt">
          <Button
            variant="link"
            onClick={() => {
              setNeedsTotp(false);
              setTotpCode('');
              setPassword('');
              login.reset();
            }}
          >
            {t('auth.use_other_account')}
          </Button>
        </p>
      </div>
    );
  }

  const invitationToken = next.startsWith('/invite?') ? new URLSearchParams(next.slice(8)).get('token') : null;

  return (
    <div className="auth-card card">
      <h1>{t('auth.sign_in_title')}</h1>
      <form onSubmit={submit} noValidate>
        <ErrorMessage error={shownError} />
        <Field
          label={t('common.email')}
          type="email"
          name="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          dir="ltr"
        />
        <Field
          label={t('common.password')}
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          dir="ltr"
        />
        <p className="form-aside">
          <Link to="/forgot-password">{t('auth.forgot_password')}</Link>
        </p>
        <Button type="submit" loading={login.isPending} className="btn-block">
          {t('auth.sign_in')}
        </Button>
      </form>
      <p className="auth-alt">
        {t('auth.no_account')}{' '}
        <Link to={invitationToken ? `/signup?invitation=${encodeURIComponent(invitationToken)}` : '/signup'}>
          {t('auth.sign_up')}
        </Link>
      </p>
      {footer}
    </div>
  );
}
