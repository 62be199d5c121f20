import { useNavigate } from 'react-router-dom';
import { Select } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import { useSwitchWorkspace, useWorkspaces } from '../api/workspace';

export function WorkspaceSwitcher() {
  const { t } = useI18n();
  const { workspaceId } = useAuth();
  const workspaces = useWorkspaces();
  const switchTo = useSwitchWorkspace();
  const navigate = useNavigate();
  const items = workspaces.data?.items ?? [];
  const current = items.find((w) => w.id === workspaceId);

  if (items.length <= 1) {
    return (
      <div className="workspace-current" title={t('workspace.switcher')}>
        <span className="workspace-avatar" aria-hidden="true">
          {(current?.name ?? '?').slice(0, 1).toUpperCase()}
        </span>
        <span className="workspace-meta">
          <span className="workspace-name" data-testid="workspace-name">
            {current?.name ?? '…'}
          </span>
          {current ? <span className="workspace-role">{t(`role.${current.role}` as MessageKey)}</span> : null}
        </span>
      </div>
    );
  }

  return (
    <Select
      className="workspace-select"
      label={t('shell.switch_workspace')}
      hideLabel
      value={workspaceId ?? ''}
      disabled={switchTo.isPending}
      onChange={(e) => switchTo.mutate(e.target.value, { onSuccess: () => navigate('/') })}
      data-testid="workspace-switcher"
    >
      {items.map((w) => (
        <option key={w.id} value={w.id}>
          {w.name} · {t(`role.${w.role}` as MessageKey)}
        </option>
      ))}
    </Select>
  );
}
