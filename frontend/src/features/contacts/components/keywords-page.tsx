import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Button, Card, ErrorMessage, PageHeader, Spinner, TextArea } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n } from '../../../lib/i18n';
import { hasRole } from '../../../lib/roles';
import { splitKeywords, useKeywords, useSaveKeywords } from '../api/keywords';

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

  useEffect(() => {
    if (keywords.data) {
      setOptOut(keywords.data.opt_out.join('\n'));
      setOptIn(keywords.data.opt_in.join('\n'));
    }
  }, [keywords.data]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const out = splitKeywords(optOut);
    if (out.length === 0) return setError(t('keywords.need_opt_out'));
    setError(null);
    save.mutate({ opt_out: out, opt_in: splitKeywords(optIn) });
  };

  return (
    <>
      <PageHeader title={t('keywords.title')} description={t('keywords.intro')} />
      <Card>
        <Alert kind="info">{t('keywords.matching')}</Alert>
        {keywords.isPending ? <Spinner /> : null}
        <ErrorMessage error={keywords.error} />
        {keywords.data ? (
          <form onSubmit={submit} noValidate className="form-grid" aria-label={t('keywords.title')}>
            {!canWrite ? <Alert kind="info">{t('keywords.read_only')}</Alert> : null}
            {save.isSuccess ? <Alert kind="success">{t('keywords.saved')}</Alert> : null}
            <ErrorMessage error={save.error} />
            <div className="form-row">
              <TextArea
                label={t('keywords.opt_out')}
                hint={t('keywords.opt_out_hint')}
                value={optOut}
                onChange={(e) => setOptOut(e.target.value)}
                rows={8}
                error={error}
                disabled={!canWrite}
                dir="auto"
              />
              <TextArea label={t('keywords.opt_in')} hint={t('keywords.opt_in_hint')} value={optIn} onChange={(e) => setOptIn(e.target.value)} rows={8} disabled={!canWrite} dir="auto" />
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
