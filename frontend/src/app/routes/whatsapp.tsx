import { ErrorMessage, Spinner } from '../../components/ui';
import { WhatsAppPage } from '../../features/whatsapp/components/whatsapp-page';
import { useWorkspace } from '../../features/workspace/api/workspace';

/** The WhatsApp settings screen, told whether the workspace is in test mode (simulator). */
export function WhatsAppSettingsRoute() {
  const workspace = useWorkspace();
  if (workspace.isPending) return <Spinner />;
  if (workspace.error) return <ErrorMessage error={workspace.error} />;
  return <WhatsAppPage testMode={workspace.data.test_mode} />;
}
