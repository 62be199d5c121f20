import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, Button, ErrorMessage, Spinner } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import { useAcceptInvitation, useInvitationPreview } from '../api/workspace';

export function AcceptInvitationPage() {
  const { t, formatDate } = useI18n();
  const [params] = useSearchParams();
  const token = params.get('token');
  const auth = useAuth();
  const navigate = useNavigate();
  const preview = useInvitationPreview(token);
  const accept = useAcceptInvitation();

  if (!token) {
    return (
      <div className="auth-card card">
        <h1>{t('invite.title')}</h1>
        <Alert kind="error">{t('invite.missing_token')}</Alert>
      </div>
    );
  }

  const next = encodeURIComponent(`/invite?token=${token}`);

  return (
    <div className="auth-card card">
      <h1>{t('invite.title')}</h1>
      {preview.isPending ? <Spinner /> : null}
      <ErrorMessage error={preview.error} />
      {preview.data ? (
        <div className="invite-preview" data-testid="invitation-preview">
          <p className="lead">
            {t('invite.preview', {
              workspace: preview.data.workspace_name,
              role: t(`role.${preview.data.role}` as MessageKey),
            })}
          </p>
          <p className="muted" dir="auto">
            {t('invite.for_email', { email: preview.data.email })} · {t('invite.expires', { date: formatDate(preview.data.expires_at) })}
          </p>
        </div>
      ) : null}
      {preview.data && auth.status === 'authenticated' ? (
        <>
          <ErrorMessage error={accept.error} />
          <Button
            className="btn-block"
            loading={accept.isPending}
            onClick={() => accept.mutate(token, { onSuccess: () => navigate('/', { replace: true }) })}
          >
            {t('invite.accept')}
          </Button>
        </>
      ) : null}
      {preview.data && auth.status === 'anonymous' ? (
        <>
          <p>{t('invite.signin_prompt', { email: preview.data.email })}</p>
          <div className="button-row">
            <Link className="btn btn-primary" to={`/signup?invitation=${encodeURIComponent(token)}`}>
              {t('invite.sign_up')}
            </Link>
            <Link className="btn btn-secondary" to={`/signin?next=${next}`}>
              {t('invite.sign_in')}
            </Link>
          </div>
        </>
      ) : null}
    </div>
  );
}
