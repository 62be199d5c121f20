import { useState } from 'react';
import { Alert, Badge, Button, Card, ConfirmButton, EmptyState, ErrorMessage, PageHeader, Spinner } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { hasMessage, useI18n } from '../../../lib/i18n';
import { hasRole } from '../../../lib/roles';
import {
  useConnectWhatsApp,
  useDisconnectWhatsApp,
  usePhoneNumbers,
  useRefreshPhoneNumbers,
  useWhatsAppConnection,
  type WhatsAppConnection,
} from '../api/whatsapp';
import { ConnectionForm } from './connection-form';
import { PhoneNumbersTable } from './phone-numbers-table';

type Notice = 'connected' | 'disconnected' | null;

/**
 * The workspace's WhatsApp Business Account for its current mode (live, or test when the workspace
 * is in test mode): status, masked token, phone numbers; connect, update or disconnect (admins).
 */
export function WhatsAppPage({ testMode }: { testMode: boolean }) {
  const { t } = useI18n();
  const { role } = useAuth();
  const canEdit = hasRole(role, 'admin');
  const connection = useWhatsAppConnection();
  const [notice, setNotice] = useState<Notice>(null);

  return (
    <>
      <PageHeader title={t('whatsapp.title')} description={t('whatsapp.intro')} />
      {testMode ? <Alert kind="info">{t('whatsapp.test_mode_on')}</Alert> : null}
      {notice === 'connected' ? <Alert kind="success">{t('whatsapp.connected_ok')}</Alert> : null}
      {notice === 'disconnected' ? <Alert kind="success">{t('whatsapp.disconnected_ok')}</Alert> : null}
      <ErrorMessage error={connection.error} />
      {connection.isPending ? <Spinner /> : null}
      {connection.data === null ? (
        canEdit ? (
          <>
            {testMode ? <SimulatorCard onConnected={() => setNotice('connected')} /> : null}
            <Card title={t('whatsapp.connect')}>
              <ConnectionForm onConnected={() => setNotice('connected')} />
            </Card>
          </>
        ) : (
          <Card>
            <EmptyState>
              {t('whatsapp.not_connected')} {t('whatsapp.ask_admin')}
            </EmptyState>
          </Card>
        )
      ) : null}
      {connection.data ? (
        <>
          <ConnectionCard
            connection={connection.data}
            canEdit={canEdit}
            onConnected={() => setNotice('connected')}
            onDisconnected={() => setNotice('disconnected')}
          />
          <PhoneNumbersCard />
        </>
      ) : null}
    </>
  );
}

function SimulatorCard({ onConnected }: { onConnected: () => void }) {
  const { t } = useI18n();
  const connect = useConnectWhatsApp();
  return (
    <Card title={t('whatsapp.simulator_title')} description={t('whatsapp.simulator_text')}>
      <ErrorMessage error={connect.error} />
      <Button loading={connect.isPending} onClick={() => connect.mutate({}, { onSuccess: onConnected })}>
        {t('whatsapp.simulator_connect')}
      </Button>
    </Card>
  );
}

const STATUS_TONE = { active: 'success', restricted: 'warning', disabled: 'danger' } as const;

function ConnectionCard({
  connection,
  canEdit,
  onConnected,
  onDisconnected,
}: {
  connection: WhatsAppConnection;
  canEdit: boolean;
  onConnected: () => void;
  onDisconnected: () => void;
}) {
  const { t, formatDateTime } = useI18n();
  const disconnect = useDisconnectWhatsApp();
  const [editing, setEditing] = useState(false);
  const statusKey = `whatsapp.status.${connection.status}`;
  const tone = STATUS_TONE[connection.status as keyof typeof STATUS_TONE] ?? 'neutral';

  return (
    <Card
      title={t('whatsapp.connection')}
      actions={
        canEdit && !editing ? (
          <div className="button-row">
            <Button variant="secondary" size="sm" onClick={() => setEditing(true)}>
              {t('whatsapp.update')}
            </Button>
            <ConfirmButton
              size="sm"
              loading={disconnect.isPending}
              confirm={t('whatsapp.disconnect_confirm')}
              onConfirm={() => disconnect.mutate(undefined, { onSuccess: onDisconnected })}
            >
              {t('whatsapp.disconnect')}
            </ConfirmButton>
          </div>
        ) : null
      }
    >
      <ErrorMessage error={disconnect.error} />
      <dl className="details" data-testid="whatsapp-connection">
        <div>
          <dt>{t('whatsapp.status')}</dt>
          <dd>
            <Badge tone={tone}>{hasMessage(statusKey) ? t(statusKey) : connection.status}</Badge>
            {connection.status_reason ? <p className="muted status-reason">{connection.status_reason}</p> : null}
          </dd>
        </div>
        <div>
          <dt>{t('whatsapp.mode')}</dt>
          <dd>
            <Badge tone={connection.mode === 'test' ? 'info' : 'success'}>{t(connection.mode === 'test' ? 'whatsapp.mode.test' : 'whatsapp.mode.live')}</Badge>
          </dd>
        </div>
        <div>
          <dt>{t('whatsapp.waba_id')}</dt>
          <dd className="mono" dir="ltr">
            {connection.waba_id}
          </dd>
        </div>
        <div>
          <dt>{t('whatsapp.token')}</dt>
          <dd className="mono" dir="ltr" data-testid="token-hint">
            {connection.access_token_hint}
          </dd>
        </div>
        <div>
          <dt>{t('whatsapp.connected_at')}</dt>
          <dd>{formatDateTime(connection.connected_at)}</dd>
        </div>
      </dl>
      {editing ? (
        <ConnectionForm
          initial={{ waba_id: connection.waba_id, phone_number_ids: connection.phone_numbers.map((n) => n.phone_number_id) }}
          onConnected={() => {
            setEditing(false);
            onConnected();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : null}
    </Card>
  );
}

function PhoneNumbersCard() {
  const { t } = useI18n();
  const numbers = usePhoneNumbers(true);
  const refresh = useRefreshPhoneNumbers();
  return (
    <Card
      title={t('whatsapp.numbers')}
      actions={
        <Button variant="secondary" size="sm" loading={refresh.isPending} onClick={() => refresh.mutate()}>
          {t('common.refresh')}
        </Button>
      }
    >
      <ErrorMessage error={refresh.error ?? numbers.error} />
      {numbers.isPending ? <Spinner /> : null}
      {numbers.data ? <PhoneNumbersTable numbers={numbers.data.items} /> : null}
    </Card>
  );
}
