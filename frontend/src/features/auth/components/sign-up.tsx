import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, Button, Checkbox, ErrorMessage, Field, Spinner } from '../../../components/ui';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import { useInvitationPreview, usePolicyVersion, useSignup } from '../api/auth';

type Errors = Partial<Record<'email' | 'password' | 'full_name' | 'business_name' | 'age' | 'policy', string>>;

export function SignUpPage() {
  const { t, locale, formatDate } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const invitationToken = params.get('invitation');
  const invitation = useInvitationPreview(invitationToken);
  const policy = usePolicyVersion();
  const signup = useSignup();

  const [form, setForm] = useState({ email: '', password: '', full_name: '', business_name: '', phone: '' });
  const [age, setAge] = useState(false);
  const [acceptPolicy, setAcceptPolicy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});

  const invited = Boolean(invitationToken);
  const invitedEmail = invitation.data?.email;

  useEffect(() => {
    if (invitedEmail) setForm((f) => (f.email ? f : { ...f, email: invitedEmail }));
  }, [invitedEmail]);

  const set = (name: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [name]: e.target.value }));

  const validate = (): Errors => {
    const out: Errors = {};
    if (!form.email.trim()) out.email = t('auth.required');
    if (form.password.length < 10) out.password = t('auth.password_too_short');
    if (!form.full_name.trim()) out.full_name = t('auth.required');
    if (!invited && !form.business_name.trim()) out.business_name = t('auth.required');
    if (!age) out.age = t('auth.must_confirm_age');
    if (!acceptPolicy) out.policy = t('auth.must_accept_policy');
    return out;
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length > 0 || !policy.data) return;
    signup.mutate(
      {
        email: form.email.trim(),
        password: form.password,
        full_name: form.full_name.trim(),
        ...(invited ? { invitation_token: invitationToken! } : { business_name: form.business_name.trim() }),
        ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
        locale,
        age_confirmed: true,
        privacy_policy_version: policy.data.version,
      },
      { onSuccess: () => navigate('/', { replace: true }) },
    );
  };

  return (
    <div className="auth-card card">
      <h1>{t('auth.sign_up_title')}</h1>
      {invited ? (
        invitation.isPending ? (
          <Spinner />
        ) : invitation.data ? (
          <Alert kind="info">
            <span data-testid="invitation-preview">
              {t('auth.joining', {
                workspace: invitation.data.workspace_name,
                role: t(`role.${invitation.data.role}` as MessageKey),
              })}{' '}
              {t('invite.expires', { date: formatDate(invitation.data.expires_at) })}
            </span>
          </Alert>
        ) : (
          <ErrorMessage error={invitation.error} />
        )
      ) : null}
      <form onSubmit={submit} noValidate>
        <ErrorMessage error={signup.error ?? policy.error} />
        <Field label={t('auth.full_name')} name="full_name" autoComplete="name" required value={form.full_name} onChange={set('full_name')} error={errors.full_name} />
        <Field label={t('common.email')} type="email" name="email" autoComplete="email" required value={form.email} onChange={set('email')} error={errors.email} dir="ltr" />
        <Field
          label={t('common.password')}
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={10}
          hint={t('auth.password_hint')}
          value={form.password}
          onChange={set('password')}
          error={errors.password}
          dir="ltr"
        />
        {invited ? null : (
          <Field label={t('auth.business_name')} name="business_name" autoComplete="organization" required value={form.business_name} onChange={set('business_name')} error={errors.business_name} />
        )}
        <Field
          label={
            <>
              {t('auth.phone')} <span className="muted">({t('common.optional')})</span>
            </>
          }
          type="tel"
          name="phone"
          autoComplete="tel"
          value={form.phone}
          onChange={set('phone')}
          dir="ltr"
        />
        <Checkbox name="age_confirmed" label={t('auth.age_confirm')} checked={age} onChange={(e) => setAge(e.target.checked)} error={errors.age} />
        <Checkbox
          name="accept_policy"
          label={
            <>
              {t('auth.accept_policy_prefix')}{' '}
              <Link to="/privacy" target="_blank" rel="noopener">
                {t('auth.accept_policy_link')}
              </Link>
              {t('auth.accept_policy_suffix')}
            </>
          }
          checked={acceptPolicy}
          onChange={(e) => setAcceptPolicy(e.target.checked)}
          error={errors.policy}
        />
        <Button type="submit" loading={signup.isPending} disabled={!policy.data} className="btn-block">
          {t('auth.sign_up')}
        </Button>
      </form>
      <p className="auth-alt">
        {t('auth.have_account')}{' '}
        <Link to={invited ? `/signin?next=${encodeURIComponent(`/invite?token=${invitationToken}`)}` : '/signin'}>{t('auth.sign_in')}</Link>
      </p>
    </div>
  );
}
