import { Alert, Button, CopyField, Dialog } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';

type Props = {
  /** The full secret, as returned once by POST /api-keys; null when no dialog should show. */
  secret: string | null;
  name?: string;
  onClose: () => void;
};

/**
 * Shows a newly created key exactly once. The parent drops the secret on close, so it cannot be
 * displayed again (the API never returns it a second time either).
 */
export function ApiKeyCreatedDialog({ secret, name, onClose }: Props) {
  const { t } = useI18n();
  return (
    <Dialog
      open={secret !== null}
      title={name ? `${t('keys.created_title')}: ${name}` : t('keys.created_title')}
      dismissible={false}
      footer={<Button onClick={onClose}>{t('keys.created_done')}</Button>}
    >
      <Alert kind="warning">{t('keys.created_warning')}</Alert>
      {secret ? <CopyField label={t('keys.prefix')} value={secret} testId="api-key-secret" /> : null}
    </Dialog>
  );
}
