import { useState, type FormEvent } from 'react';
import { Button, ErrorMessage, Field } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { ApiError } from '../../../lib/problem';
import { splitPhoneNumberIds, useConnectWhatsApp, type WhatsAppConnection } from '../api/whatsapp';

const GRAPH_ID = /^[0-9]{1,32}$/;
const MAX_NUMBERS = 20;

type Props = {
  /** Pre-fills the account and numbers when updating an existing connection (never the token). */
  initial?: { waba_id: string; phone_number_ids: string[] };
  onConnected?: (connection: WhatsAppConnection) => void;
  onCancel?: () => void;
};

/** Connect (or replace) a live WhatsApp Business Account: WABA id, access token, phone number ids. */
export function ConnectionForm({ initial, onConnected, onCancel }: Props) {
  const { t } = useI18n();
  const connect = useConnectWhatsApp();
  const [wabaId, setWabaId] = useState(initial?.waba_id ?? '');
  // The token lives only in this input until it is sent; it is never shown again.
  const [token, setToken] = useState('');
  const [idsText, setIdsText] = useState(initial?.phone_number_ids.join(', ') ?? '');
  const [errors, setErrors] = useState<{ waba?: string; token?: string; ids?: string }>({});
  const ids = splitPhoneNumberIds(idsText);
  // `whatsapp.phone_number_not_in_waba` names the ids the account does not have.
  const foreignIds =
    connect.error instanceof ApiError && connect.error.code === 'whatsapp.phone_number_not_in_waba'
      ? (connect.error.problem as { phone_number_ids?: unknown }).phone_number_ids
      : undefined;
  const idsError = errors.ids ?? (Array.isArray(foreignIds) && foreignIds.length > 0 ? foreignIds.join(', ') : undefined);

  const validate = () => {
    const next: typeof errors = {};
    const waba = wabaId.trim();
    if (!waba) next.waba = t('auth.required');
    else if (!GRAPH_ID.test(waba)) next.waba = t('whatsapp.waba_invalid');
    if (!token.trim()) next.token = t('auth.required');
    else if (token.trim().length < 8) next.token = t('whatsapp.token_too_short');
    const bad = ids.filter((id) => !GRAPH_ID.test(id));
    if (ids.length === 0) next.ids = t('auth.required');
    else if (bad.length > 0) next.ids = t('whatsapp.ids_invalid', { ids: bad.join(', ') });
    else if (ids.length > MAX_NUMBERS) next.ids = t('whatsapp.ids_too_many', { max: MAX_NUMBERS });
    setErrors(next);
    return Object.keys(next).length === 0;
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!validate()) return;
    connect.mutate(
      { waba_id: wabaId.trim(), access_token: token.trim(), phone_number_ids: ids },
      {
        onSuccess: (connection) => {
          setToken('');
          onConnected?.(connection);
        },
      },
    );
  };

  return (
    <form onSubmit={submit} className="form-grid" noValidate aria-label={t('whatsapp.connect')}>
      <p className="muted">{t('whatsapp.connect_intro')}</p>
      <ErrorMessage error={connect.error} />
      <Field
        label={t('whatsapp.waba_id')}
        name="waba_id"
        inputMode="numeric"
        autoComplete="off"
        value={wabaId}
        onChange={(e) => setWabaId(e.target.value)}
        error={errors.waba}
        required
        dir="ltr"
      />
      <Field
        label={t('whatsapp.access_token')}
        name="access_token"
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={token}
        onChange={(e) => setToken(e.target.value)}
        hint={initial ? t('whatsapp.access_token_replace') : t('whatsapp.access_token_help')}
        error={errors.token}
        required
        dir="ltr"
      />
      <Field
        label={t('whatsapp.phone_number_ids')}
        name="phone_number_ids"
        autoComplete="off"
        value={idsText}
        onChange={(e) => setIdsText(e.target.value)}
        hint={t('whatsapp.phone_number_ids_hint')}
        error={idsError}
        required
        dir="ltr"
      />
      {ids.length > 0 ? (
        <div className="field">
          <span className="label" id="wa-ids-preview">
            {t('whatsapp.ids_preview')}
          </span>
          <ul className="tag-list plain-list" aria-labelledby="wa-ids-preview" dir="ltr">
            {ids.map((id) => (
              <li key={id}>
                <code>{id}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="form-actions">
        <Button type="submit" loading={connect.isPending}>
          {t('whatsapp.submit')}
        </Button>
        {onCancel ? (
          <Button variant="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
        ) : null}
      </div>
    </form>
  );
}
