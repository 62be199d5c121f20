import { ErrorMessage, Spinner } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { usePrivacyPolicy } from '../api/privacy-policy';
import { Markdown } from './markdown';

export function PrivacyPolicyPage() {
  const { t, formatDate } = useI18n();
  const policy = usePrivacyPolicy();
  return (
    <article className="legal-page card">
      <h1>{t('privacy.title')}</h1>
      {policy.isPending ? <Spinner /> : null}
      <ErrorMessage error={policy.error} />
      {policy.data ? (
        <>
          <p className="muted">
            {t('privacy.version', { version: policy.data.version, date: formatDate(policy.data.effective_date) })}
          </p>
          {/* The policy is published in English; keep its direction regardless of UI language. */}
          <div dir="ltr" lang="en">
            <Markdown source={policy.data.markdown} />
          </div>
        </>
      ) : null}
    </article>
  );
}
