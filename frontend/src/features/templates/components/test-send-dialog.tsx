import { useState } from 'react';
import { Alert, Button, Dialog, Field } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { ApiError, isolate, problemMessage } from '../../../lib/problem';
import { useMe } from '../../account/api/account';
import { useTestSend, type Template } from '../api/templates';

/** Send the approved template to your own verified number (values from its examples). */
export function TestSendDialog({ open, template, onClose }: { open: boolean; template: Template; onClose: () => void }) {
  const { t } = useI18n();
  const me = useMe();
  const send = useTestSend(template.id);
  const [to, setTo] = useState<string | null>(null);
  const number = to ?? me.data?.phone ?? '';

  const error = send.error;
  const throttled = error instanceof ApiError && error.status === 429;
  const minutes = throttled && error.retryAfter !== null ? Math.max(1, Math.ceil(error.retryAfter / 60)) : null;

  return (
    <Dialog
      open={open}
      title={t('templates.test_send.title')}
      onClose={() => {
        send.reset();
        onClose();
      }}
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            {t('common.close')}
          </Button>
          <Button loading={send.isPending} disabled={!number.trim()} onClick={() => send.mutate({ to: number.trim() })}>
            {t('templates.test_send.send')}
          </Button>
        </>
      }
    >
      <p>{t('templates.test_send.rule')}</p>
      {me.data && !me.data.email_verified ? <Alert kind="warning">{t('templates.test_send.verify_email')}</Alert> : null}
      {me.data && !me.data.phone ? <Alert kind="warning">{t('templates.test_send.no_phone')}</Alert> : null}
      <Field label={t('templates.test_send.to')} type="tel" value={number} onChange={(e) => setTo(e.target.value)} hint={t('templates.test_send.to_hint')} dir="ltr" />
      {send.data ? (
        <Alert kind="success">
          {t('templates.test_send.sent', { to: isolate(send.data.to) })} <bdi dir="ltr" className="mono">{send.data.wamid}</bdi>
        </Alert>
      ) : null}
      {error ? (
        <Alert kind={throttled ? 'warning' : 'error'}>
          {throttled ? (minutes !== null ? t('templates.test_send.throttled', { minutes }) : t('templates.test_send.throttled_later')) : problemMessage(error, t)}
        </Alert>
      ) : null}
    </Dialog>
  );
}
