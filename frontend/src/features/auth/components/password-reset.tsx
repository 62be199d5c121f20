import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert, Button, ErrorMessage, Field } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { confirmPasswordReset, requestPasswordReset } from '../api/auth';

export function ForgotPasswordPage() {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const request = useMutation({ mutationFn: requestPasswordReset });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (email.trim()) request.mutate(email.trim());
  };
  return (
    <div className="auth-card card">
      <h1>{t('forgot.title')}</h1>
      {request.isSuccess ? (
        <Alert kind="success">{t('forgot.sent')}</Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <p className="muted">{t('forgot.intro')}</p>
          <ErrorMessage error={request.error} />
          <Field label={t('common.email')} type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} dir="ltr" />
          <Button type="submit" loading={request.isPending} className="btn-block">
            {t('forgot.submit')}
          </Button>
        </form>
      )}
      <p className="auth-alt">
        <Link to="/signin">{t('auth.sign_in')}</Link>
      </p>
    </div>
  );
}

export function ResetPasswordPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const token = params.get('token');
  const [password, setPassword] = useState('');
  const [tooShort, setTooShort] = useState(false);
  const reset = useMutation({ mutationFn: (pw: string) => confirmPasswordReset(token!, pw) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const short = password.length < 10;
    setTooShort(short);
    if (!short) reset.mutate(password);
  };
  return (
    <div className="auth-card card">
      <h1>{t('reset.title')}</h1>
      {!token ? (
        <Alert kind="error">{t('reset.missing_token')}</Alert>
      ) : reset.isSuccess ? (
        <Alert kind="success">{t('reset.done')}</Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <ErrorMessage error={reset.error} />
          <Field
            label={t('reset.new_password')}
            type="password"
            name="new_password"
            autoComplete="new-password"
            required
            hint={t('auth.password_hint')}
            error={tooShort ? t('auth.password_too_short') : null}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            dir="ltr"
          />
          <Button type="submit" loading={reset.isPending} className="btn-block">
            {t('reset.submit')}
          </Button>
        </form>
      )}
      <p className="auth-alt">
        <Link to="/signin">{t('auth.sign_in')}</Link>
      </p>
    </div>
  );
}
