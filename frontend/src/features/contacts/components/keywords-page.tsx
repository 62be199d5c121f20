import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert, Button, Card, ErrorMessage, PageHeader, Spinner, TextArea, useFocusError } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n } from '../../../lib/i18n';
import { ApiError, errorCode, problemMessage } from '../../../lib/problem';
import { hasRole } from '../../../lib/roles';
import { splitKeywords, useKeywords, useSaveKeywords } from '../api/keywords';

/** Loose comparison of a keyword as typed with one the server names (it may name the normalised form). */
const same = (a: string, b: string) => a.trim().toLocaleLowerCase() === b.trim().toLocaleLowerCase();

/** Settings → opt-out / opt-in keywords matched against whole inbound WhatsApp messages. */
export function KeywordsPage() {
  const { t } = useI18n();
  const { role } = useAuth();
  const canWrite = hasRole(role, 'marketer');
  const keywords = useKeywords();
  const save = useSaveKeywords();
  const [optOut, setOptOut] = useState('');
  const [optIn, setOptIn] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusError(formRef, attempt);
  useFocusError(formRef, save.error);

  useEffect(() => {
    if (keywords.data) {
      setOptOut(keywords.data.opt_out.join('\n'));
      setOptIn(keywords.data.opt_in.join('\n'));
    }
  }, [keywords.data]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // A new attempt: the previous outcome (success or error) no longer applies.
    save.reset();
    const out = splitKeywords(optOut);
    if (out.length === 0) {
      setError(t('keywords.need_opt_out'));
      return setAttempt((a) => a + 1);
    }
    setError(null);
    save.mutate({ opt_out: out, opt_in: splitKeywords(optIn) });
  };

  // The server names the keyword it refuses: highlight the list(s) holding it.
  const code = errorCode(save.error);
  const keyword = save.error instanceof ApiError && typeof save.error.problem.keyword === 'string' ? save.error.problem.keyword : null;
  const serverMessage = save.error ? problemMessage(save.error, t) : null;
  const inList = (text: string) => keyword !== null && splitKeywords(text).some((k) => same(k, keyword));
  const outError = error ?? (code === 'consent.keyword_conflict' || (code === 'consent.invalid_keyword' && inList(optOut)) ? serverMessage : null);
  const inError = code === 'consent.keyword_conflict' || (code === 'consent.invalid_keyword' && inList(optIn)) ? serverMessage : null;
  const onField = Boolean(outError || inError);

  return (
    <>
      <PageHeader title={t('keywords.title')} description={t('keywords.intro')} />
      <Card>
        <Alert kind="info">{t('keywords.matching')}</Alert>
        {keywords.isPending ? <Spinner /> : null}
        <ErrorMessage error={keywords.error} />
        {keywords.data ? (
          <form ref={formRef} onSubmit={submit} noValidate className="form-grid" aria-label={t('keywords.title')}>
            {!canWrite ? <Alert kind="info">{t('keywords.read_only')}</Alert> : null}
            {save.isSuccess ? <Alert kind="success">{t('keywords.saved')}</Alert> : null}
            {save.error ? <Alert kind="error">{onField ? t('error.check_fields') : serverMessage}</Alert> : null}
            <div className="form-row">
              <TextArea
                label={t('keywords.opt_out')}
                hint={t('keywords.opt_out_hint')}
                value={optOut}
                onChange={(e) => setOptOut(e.target.value)}
                rows={8}
                error={outError}
                disabled={!canWrite}
                dir="auto"
              />
              <TextArea
                label={t('keywords.opt_in')}
                hint={t('keywords.opt_in_hint')}
                value={optIn}
                onChange={(e) => setOptIn(e.target.value)}
                rows={8}
                error={inError}
                disabled={!canWrite}
                dir="auto"
              />
            </div>
            <p className="muted small">{t('keywords.normalised')}</p>
            {canWrite ? (
              <div className="form-actions">
                <Button type="submit" loading={save.isPending}>
                  {t('common.save')}
                </Button>
              </div>
            ) : null}
          </form>
        ) : null}
      </Card>
    </>
  );
}
