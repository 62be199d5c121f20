import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert, ErrorMessage, Spinner } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n } from '../../../lib/i18n';
import { verifyEmail } from '../api/auth';

export function VerifyEmailPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const token = params.get('token');
  const queryClient = useQueryClient();
  const auth = useAuth();
  const verify = useMutation({
    mutationFn: verifyEmail,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['me'] }),
  });
  // A token is single-use: make sure it is sent once, even under StrictMode's double effects.
  const sent = useRef(false);

  useEffect(() => {
    if (token && !sent.current) {
      sent.current = true;
      verify.mutate(token);
    }
  }, [token, verify]);

  return (
    <div className="auth-card card">
      <h1>{t('verify.title')}</h1>
      {!token ? <Alert kind="error">{t('verify.missing_token')}</Alert> : null}
      {verify.isPending ? (
        <>
          <p>{t('verify.working')}</p>
          <Spinner />
        </>
      ) : null}
      <ErrorMessage error={verify.error} />
      {verify.isSuccess ? <Alert kind="success">{t('verify.done')}</Alert> : null}
      {verify.isSuccess || verify.isError ? (
        <p className="auth-alt">
          <Link to={auth.status === 'authenticated' ? '/' : '/signin'} className="btn btn-primary">
            {auth.status === 'authenticated' ? t('verify.continue') : t('auth.sign_in')}
          </Link>
        </p>
      ) : null}
    </div>
  );
}
