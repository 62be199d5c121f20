import { useState, type FormEvent } from 'react';
import { Alert, Button, Card, ConfirmButton, EmptyState, ErrorMessage, Field, PageHeader, Spinner, TextArea } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n } from '../../../lib/i18n';
import { hasRole } from '../../../lib/roles';
import { useContactFields } from '../api/contacts';
import { useLists } from '../api/lists';
import {
  fromDefinition,
  rowError,
  toDefinition,
  useDeleteSegment,
  useSaveSegment,
  useSegmentCount,
  useSegments,
  type Builder,
  type Segment,
  type SegmentDefinition,
} from '../api/segments';
import { fieldTypesOf, SegmentBuilder } from './segment-builder';

/** Segments: saved filters evaluated at send time, with how many contacts match now. */
export function SegmentsPage() {
  const { t } = useI18n();
  const { role } = useAuth();
  const canWrite = hasRole(role, 'marketer');
  const segments = useSegments();
  const remove = useDeleteSegment();
  const [editing, setEditing] = useState<Segment | 'new' | null>(null);

  return (
    <>
      <PageHeader
        title={t('segments.title')}
        description={t('segments.intro')}
        actions={canWrite && editing === null ? <Button onClick={() => setEditing('new')}>{t('segments.new')}</Button> : null}
      />
      {editing !== null ? <SegmentEditor key={editing === 'new' ? 'new' : editing.id} segment={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
      <Card title={t('segments.title')}>
        <ErrorMessage error={segments.error ?? remove.error} />
        {segments.isPending ? <Spinner /> : null}
        {segments.data && segments.data.items.length === 0 ? <EmptyState>{t('segments.empty')}</EmptyState> : null}
        {segments.data && segments.data.items.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="segments-table">
              <thead>
                <tr>
                  <th>{t('common.name')}</th>
                  <th>{t('segments.matching')}</th>
                  <th>
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {segments.data.items.map((s) => (
                  <tr key={s.id}>
                    <td className="cell-primary">
                      {s.name}
                      <div className="muted">{t('segments.n_conditions', { count: countConditions(s.definition) })}</div>
                    </td>
                    <td>
                      <SegmentCount id={s.id} version={JSON.stringify(s.definition)} />
                    </td>
                    <td className="cell-actions">
                      <Button size="sm" variant="secondary" onClick={() => setEditing(s)}>
                        {canWrite ? t('segments.edit') : t('segments.view')}
                      </Button>
                      {canWrite ? (
                        <ConfirmButton size="sm" confirm={t('segments.delete_confirm', { name: s.name })} onConfirm={() => remove.mutate(s.id)}>
                          {t('common.delete')}
                        </ConfirmButton>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>
    </>
  );
}

function countConditions(node: unknown): number {
  if (!node || typeof node !== 'object') return 0;
  const n = node as Record<string, unknown>;
  if (Array.isArray(n.all)) return n.all.reduce((sum: number, c) => sum + countConditions(c), 0);
  if (Array.isArray(n.any)) return n.any.reduce((sum: number, c) => sum + countConditions(c), 0);
  if (n.not) return countConditions(n.not);
  return 'field' in n ? 1 : 0;
}

function SegmentCount({ id, version }: { id: string; version?: string }) {
  const { t } = useI18n();
  const count = useSegmentCount(id, version);
  if (count.isPending) return <span className="muted">…</span>;
  if (count.error) return <span className="muted">{t('common.none')}</span>;
  return <span data-testid="segment-count">{t('segments.count', { count: count.data.count })}</span>;
}

function SegmentEditor({ segment, onClose }: { segment: Segment | null; onClose: () => void }) {
  const { t } = useI18n();
  const { role } = useAuth();
  const canWrite = hasRole(role, 'marketer');
  const fields = useContactFields();
  const lists = useLists();
  const save = useSaveSegment();
  const [name, setName] = useState(segment?.name ?? '');
  const loaded = segment ? fromDefinition(segment.definition) : { join: 'all' as const, rows: [] };
  const [builder, setBuilder] = useState<Builder | null>(loaded);
  const [json, setJson] = useState(segment ? JSON.stringify(segment.definition, null, 2) : '{}');
  const [errors, setErrors] = useState<{ name?: string; json?: string; rows?: boolean }>({});
  const [saved, setSaved] = useState<Segment | null>(segment);
  const types = fieldTypesOf(fields.data?.items ?? []);

  const definition = (): SegmentDefinition | null => {
    if (builder) return toDefinition(builder, types);
    try {
      const parsed: unknown = JSON.parse(json);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as SegmentDefinition) : null;
    } catch {
      return null;
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next: typeof errors = {};
    if (!name.trim()) next.name = t('auth.required');
    if (builder && builder.rows.some((r) => rowError(r, types))) next.rows = true;
    const def = definition();
    if (!def) next.json = t('segments.invalid_json');
    setErrors(next);
    if (Object.keys(next).length > 0 || !def) return;
    save.mutate({ id: saved?.id, name: name.trim(), definition: def }, { onSuccess: (s) => setSaved(s) });
  };

  const preview = builder ? toDefinition(builder, types) : null;

  return (
    <Card title={segment ? t('segments.edit_title', { name: segment.name }) : t('segments.new')}>
      <form onSubmit={submit} noValidate aria-label={t('segments.editor')}>
        <ErrorMessage error={save.error} />
        <Field label={t('common.name')} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} maxLength={200} disabled={!canWrite} />
        {builder ? (
          <SegmentBuilder
            builder={builder}
            onChange={(b) => {
              setBuilder(b);
              save.reset();
            }}
            fields={fields.data?.items ?? []}
            lists={lists.data?.items ?? []}
            showErrors={errors.rows}
          />
        ) : (
          <>
            <Alert kind="info">{t('segments.nested')}</Alert>
            <TextArea label={t('segments.definition')} value={json} onChange={(e) => setJson(e.target.value)} rows={10} className="mono" error={errors.json} dir="ltr" disabled={!canWrite} />
          </>
        )}
        {preview ? (
          <details className="json-preview">
            <summary>{t('segments.show_json')}</summary>
            <pre dir="ltr" data-testid="segment-json">
              {JSON.stringify(preview, null, 2)}
            </pre>
          </details>
        ) : null}
        {saved && save.isSuccess ? (
          <Alert kind="success">
            {t('segments.saved')} <SegmentCount id={saved.id} version={JSON.stringify(saved.definition)} />
          </Alert>
        ) : null}
        <div className="form-actions">
          {canWrite ? (
            <Button type="submit" loading={save.isPending}>
              {t('segments.save')}
            </Button>
          ) : null}
          <Button variant="secondary" onClick={onClose}>
            {t('common.close')}
          </Button>
        </div>
      </form>
    </Card>
  );
}
