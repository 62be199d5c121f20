import { Card, ErrorMessage, Spinner } from '../../../components/ui';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import { STATUSES, useVersions, type Template, type TemplateStatus } from '../api/templates';
import { StatusBadge } from './badges';

/** Every submitted version of the template, newest first. */
export function VersionsCard({ template }: { template: Template }) {
  const { t, formatDateTime } = useI18n();
  const versions = useVersions(template.id);
  return (
    <Card title={t('templates.versions.title')} description={t('templates.versions.intro')}>
      <ErrorMessage error={versions.error} />
      {versions.isPending ? <Spinner /> : null}
      {versions.data && versions.data.items.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="versions-table">
            <thead>
              <tr>
                <th>{t('templates.version')}</th>
                <th>{t('templates.versions.kind')}</th>
                <th>{t('common.status')}</th>
                <th>{t('templates.submitted_at')}</th>
                <th>{t('templates.versions.content')}</th>
              </tr>
            </thead>
            <tbody>
              {versions.data.items.map((v) => (
                <tr key={v.version}>
                  <td>{v.version}</td>
                  <td>{t(`templates.versions.kind_${v.kind}` as MessageKey)}</td>
                  <td>
                    {STATUSES.includes(v.status as TemplateStatus) ? <StatusBadge status={v.status as TemplateStatus} /> : v.status}
                    {v.rejection_reason ? <p className="status-reason">{t('templates.rejection_reason', { reason: v.rejection_reason })}</p> : null}
                  </td>
                  <td className="nowrap">{formatDateTime(v.submitted_at)}</td>
                  <td>
                    <details className="json-preview">
                      <summary>{t('templates.versions.show')}</summary>
                      <pre dir="ltr">{JSON.stringify(v.components, null, 2)}</pre>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}
