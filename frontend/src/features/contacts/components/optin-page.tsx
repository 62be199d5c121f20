import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { LanguageToggle } from '../../../components/language-toggle';
import { Logo } from '../../../components/layouts/public-layout';
import { Alert, Button, ErrorMessage, Field, Spinner, useFocusError, useProblemFields } from '../../../components/ui';
import { isLocale, useI18n } from '../../../lib/i18n';
import { errorCode, problemMessage } from '../../../lib/problem';
import { useOptInPage, useSubmitOptIn } from '../api/optin';

/**
 * The workspace's hosted opt-in page (public): the exact notice, a number and a name. The notice
 * is sent back exactly as shown, so the ledger records what the person agreed to.
 */
export function OptInPage() {
  const { slug = '' } = useParams();
  const [params] = useSearchParams();
  const { t, setLocale } = useI18n();
  const page = useOptInPage(slug);
  const submit = useSubmitOptIn(slug);
  const [phone, setPhone] = useState('');
  const [name, setName] = useState('');
  const [phoneError, setPhoneError] = useState<string | null>(null);
  const server = useProblemFields(submit.error);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusError(formRef, submit.error);

  // `?lang=ar` opens the page in Arabic (for links shared with Arabic-speaking customers).
  const lang = params.get('lang');
  useEffect(() => {
    if (isLocale(lang)) setLocale(lang);
  }, [lang, setLocale]);

  const send = (e: FormEvent) => {
    e.preventDefault();
    if (!page.data) return;
    if (!phone.trim()) {
      setPhoneError(t('auth.required'));
      return formRef.current?.querySelector<HTMLInputElement>('input[type="tel"]')?.focus();
    }
    setPhoneError(null);
    submit.mutate({ phone: phone.trim(), ...(name.trim() ? { name: name.trim() } : {}), notice: page.data.notice });
  };

  const code = errorCode(submit.error);
  const result = submit.data;

  return (
    <div className="optin-layout">
      <header className="optin-header">
        <LanguageToggle />
      </header>
      <main id="main" className="optin-main">
        <div className="card optin-card">
          {page.isPending ? <Spinner /> : null}
          {page.error ? (
            <>
              <h1>{t('optin.title')}</h1>
              <Alert kind="error">{errorCode(page.error) === 'not_found' ? t('optin.not_found') : problemMessage(page.error, t)}</Alert>
            </>
          ) : null}
          {page.data ? (
            <>
              <p className="optin-eyebrow">{t('optin.eyebrow')}</p>
              <h1 dir="auto" data-testid="optin-workspace">
                {page.data.workspace_name}
              </h1>
              {result ? (
                <div data-testid="optin-result" data-status={result.status}>
                  <Alert kind={result.status === 'opted_in' ? 'success' : 'info'}>
                    <strong className="block">{t(result.status === 'opted_in' ? 'optin.done_title' : 'optin.pending_title')}</strong>
                    {result.status === 'opted_in' ? <span>{t('optin.done_text')}</span> : null}
                  </Alert>
                  {result.status === 'pending_confirmation' ? <p className="muted">{t('optin.pending_text')}</p> : null}
                </div>
              ) : (
                <form ref={formRef} onSubmit={send} noValidate aria-label={t('optin.form')}>
                  <p className="muted">{t('optin.intro')}</p>
                  {code === 'optin.notice_changed' ? (
                    <Alert
                      kind="warning"
                      action={
                        <Button size="sm" variant="secondary" onClick={() => window.location.reload()}>
                          {t('optin.reload')}
                        </Button>
                      }
                    >
                      {t('error.optin.notice_changed')}
                    </Alert>
                  ) : (
                    <ErrorMessage error={server.stale ? null : submit.error} fields={['phone', 'name']} />
                  )}
                  <Field
                    label={t('optin.phone')}
                    type="tel"
                    autoComplete="tel"
                    inputMode="tel"
                    value={phone}
                    onChange={(e) => {
                      setPhone(e.target.value);
                      setPhoneError(null);
                      server.clear('phone');
                    }}
                    hint={t('optin.phone_hint')}
                    error={
                      phoneError ??
                      // the public sees a hint for them, not the marketer's "set the default country"
                      (code === 'contacts.invalid_phone' && server.message('phone') ? t('optin.invalid_phone') : server.message('phone'))
                    }
                    dir="ltr"
                    required
                  />
                  <Field
                    label={
                      <>
                        {t('optin.name')} <span className="muted">({t('common.optional')})</span>
                      </>
                    }
                    autoComplete="name"
                    value={name}
                    onChange={(e) => {
                      setName(e.target.value);
                      server.clear('name');
                    }}
                    error={server.message('name')}
                    dir="auto"
                    maxLength={200}
                  />
                  <figure className="optin-notice">
                    <figcaption>{t('optin.notice_label')}</figcaption>
                    <blockquote dir="auto" data-testid="optin-notice">
                      {page.data.notice}
                    </blockquote>
                  </figure>
                  <Button type="submit" className="btn-block" loading={submit.isPending}>
                    {t('optin.submit')}
                  </Button>
                  <p className="muted small optin-fineprint">{t('optin.fineprint')}</p>
                </form>
              )}
            </>
          ) : null}
        </div>
      </main>
      <footer className="optin-footer">
        <span className="muted small">{t('optin.powered_by')}</span>
        <Logo />
      </footer>
    </div>
  );
}
