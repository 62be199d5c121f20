import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert, Button, Card, EmptyState, ErrorMessage, Field, PageHeader, Select, Spinner } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import { hasRole } from '../../../lib/roles';
import { useDebounced } from '../../../lib/use-debounced';
import { STATUSES, useSyncTemplates, useTemplates, type Template, type TemplateFilter, type TemplateStatus } from '../api/templates';
import '../templates.css';
import { CategoryLabel, QualityBadge, StatusBadge } from './badges';

const CATEGORIES: Template['category'][] = ['MARKETING', 'UTILITY', 'AUTHENTICATION'];

function readFilter(params: URLSearchParams): TemplateFilter {
  const status = params.get('status');
  const category = params.get('category');
  return {
    status: STATUSES.includes(status as TemplateStatus) ? (status as TemplateStatus) : undefined,
    category: CATEGORIES.includes(category as Template['category']) ? (category as Template['category']) : undefined,
    name: params.get('q') || undefined,
  };
}

function writeFilter(filter: TemplateFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.status) params.set('status', filter.status);
  if (filter.category) params.set('category', filter.category);
  if (filter.name) params.set('q', filter.name);
  return params;
}

/** The templates of the workspace, one group per name with its languages. */
export function TemplatesPage() {
  const { t } = useI18n();
  const { role } = useAuth();
  const canWrite = hasRole(role, 'marketer');
  const [params, setParams] = useSearchParams();
  const filter = readFilter(params);
  const update = (next: TemplateFilter) => setParams(writeFilter(next), { replace: true });
  const sync = useSyncTemplates();

  return (
    <>
      <PageHeader
        title={t('templates.title')}
        description={t('templates.intro')}
        actions={
          canWrite ? (
            <div className="button-row">
              <Button variant="secondary" loading={sync.isPending} onClick={() => sync.mutate()}>
                {t('templates.sync')}
              </Button>
              <Link className="btn btn-primary" to="/templates/new">
                {t('templates.new')}
              </Link>
            </div>
          ) : null
        }
      />
      {sync.data ? (
        <Alert kind="success">
          {t('templates.synced', { imported: sync.data.imported, updated: sync.data.updated, unchanged: sync.data.unchanged, deleted: sync.data.deleted })}
          {sync.data.conflicts.length > 0 ? (
            <>
              {' '}
              {t('templates.sync_conflicts', { names: sync.data.conflicts.map((c) => `${c.name} (${c.language})`).join(', ') })}
            </>
          ) : null}
        </Alert>
      ) : null}
      <ErrorMessage error={sync.error} />
      <Card>
        <Filters filter={filter} onChange={update} />
        <TemplatesTable filter={filter} />
      </Card>
    </>
  );
}

function Filters({ filter, onChange }: { filter: TemplateFilter; onChange: (f: TemplateFilter) => void }) {
  const { t } = useI18n();
  const [q, setQ] = useState(filter.name ?? '');
  const debounced = useDebounced(q, 300);
  useEffect(() => {
    if ((filter.name ?? '') !== debounced.trim()) onChange({ ...filter, name: debounced.trim() || undefined });
  }, [debounced]);

  return (
    <form className="inline-form filters" role="search" aria-label={t('templates.filters')} onSubmit={(e) => e.preventDefault()}>
      <Field className="filter-search" label={t('templates.search')} type="search" placeholder={t('templates.search_placeholder')} value={q} onChange={(e) => setQ(e.target.value)} />
      <Select label={t('common.status')} value={filter.status ?? ''} onChange={(e) => onChange({ ...filter, status: (e.target.value || undefined) as TemplateStatus | undefined })}>
        <option value="">{t('templates.any_status')}</option>
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`templates.status.${s}` as MessageKey)}
          </option>
        ))}
      </Select>
      <Select label={t('templates.category_label')} value={filter.category ?? ''} onChange={(e) => onChange({ ...filter, category: (e.target.value || undefined) as Template['category'] | undefined })}>
        <option value="">{t('templates.any_category')}</option>
        {CATEGORIES.map((c) => (
          <option key={c} value={c}>
            {t(`templates.category.${c}` as MessageKey)}
          </option>
        ))}
      </Select>
      <Button
        variant="ghost"
        disabled={!filter.status && !filter.category && !filter.name && !q}
        onClick={() => {
          setQ('');
          onChange({});
        }}
      >
        {t('common.clear')}
      </Button>
    </form>
  );
}

function TemplatesTable({ filter }: { filter: TemplateFilter }) {
  const { t, formatDateTime } = useI18n();
  const templates = useTemplates(filter);
  const items = useMemo(() => templates.data?.pages.flatMap((p) => p.items) ?? [], [templates.data]);
  // Sorted by name then language: each name's languages are consecutive.
  const groups = useMemo(() => {
    const out: { name: string; items: Template[] }[] = [];
    for (const item of items) {
      const last = out[out.length - 1];
      if (last && last.name === item.name) last.items.push(item);
      else out.push({ name: item.name, items: [item] });
    }
    return out;
  }, [items]);
  const filtered = Boolean(filter.status || filter.category || filter.name);

  return (
    <>
      <ErrorMessage error={templates.error} />
      {templates.isPending ? <Spinner /> : null}
      {templates.data && items.length === 0 ? <EmptyState>{filtered ? t('templates.empty_filtered') : t('templates.empty')}</EmptyState> : null}
      {groups.length > 0 ? (
        <div className="table-wrap">
          <table className="table templates-table" data-testid="templates-table" aria-busy={templates.isFetching || undefined}>
            <thead>
              <tr>
                <th>{t('templates.name')}</th>
                <th>{t('templates.language')}</th>
                <th>{t('templates.category_label')}</th>
                <th>{t('common.status')}</th>
                <th className="hide-sm">{t('templates.quality_label')}</th>
                <th className="hide-sm">{t('templates.updated')}</th>
              </tr>
            </thead>
            {groups.map((group) => (
              <tbody key={group.name} className="template-group" data-testid={`template-group-${group.name}`}>
                {group.items.map((item, index) => (
                  <tr key={item.id} data-testid={`template-row-${item.name}-${item.language}`}>
                    {index === 0 ? (
                      <th scope="rowgroup" rowSpan={group.items.length} className="cell-primary template-name">
                        <bdi dir="ltr">{group.name}</bdi>
                        {(item.variants ?? []).length > 0 ? <div className="muted">{t('templates.languages', { count: (item.variants ?? []).length + 1 })}</div> : null}
                      </th>
                    ) : null}
                    <td>
                      <Link to={`/templates/${item.id}`} aria-label={t('templates.open', { name: item.name, language: item.language })}>
                        <bdi dir="ltr">{item.language}</bdi>
                      </Link>
                    </td>
                    <td>
                      <CategoryLabel category={item.category} />
                      {item.previous_category ? <div className="muted small">{t('templates.recategorised', { from: item.previous_category })}</div> : null}
                    </td>
                    <td>
                      <StatusBadge status={item.status} />
                      {item.status === 'REJECTED' && item.rejection_reason ? (
                        <p className="status-reason" data-testid="rejection-reason">
                          {t('templates.rejection_reason', { reason: item.rejection_reason })}
                        </p>
                      ) : null}
                    </td>
                    <td className="hide-sm">
                      <QualityBadge quality={item.quality_score} />
                    </td>
                    <td className="hide-sm nowrap">{formatDateTime(item.updated_at)}</td>
                  </tr>
                ))}
              </tbody>
            ))}
          </table>
        </div>
      ) : null}
      {templates.hasNextPage ? (
        <div className="form-actions">
          <Button variant="secondary" loading={templates.isFetchingNextPage} onClick={() => templates.fetchNextPage()}>
            {t('common.load_more')}
          </Button>
        </div>
      ) : null}
    </>
  );
}
