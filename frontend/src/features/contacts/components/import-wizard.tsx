import { useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert, Badge, Button, Card, EmptyState, ErrorMessage, PageHeader, ProgressBar, Spinner } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { downloadErrorReport, formatBytes, isActive, useImport, useImports, useUploadImport, type ImportOut, type ImportStatus } from '../api/imports';
import { ImportSetup, type SetupStep } from './import-setup';

const STEPS = ['upload', 'map', 'consent', 'progress'] as const;
type Step = (typeof STEPS)[number];

/** Upload → map columns → consent evidence → progress and result. The import's id is kept in the URL. */
export function ImportWizardPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const id = params.get('id');
  const item = useImport(id);
  const [setupStep, setSetupStep] = useState<SetupStep>('map');

  const step: Step = !id ? 'upload' : item.data && item.data.status !== 'uploaded' ? 'progress' : setupStep;
  const open = (next: string | null) => {
    setSetupStep('map');
    setParams(next ? { id: next } : {});
  };

  return (
    <>
      <p className="back-link">
        <Link to="/contacts">
          <span aria-hidden="true" className="flip">
            ←
          </span>{' '}
          {t('contacts.back')}
        </Link>
      </p>
      <PageHeader title={t('imports.title')} description={t('imports.intro')} />
      <Stepper current={step} />
      {!id ? (
        <>
          <UploadCard onUploaded={(created) => open(created.id)} />
          <PastImports onOpen={open} />
        </>
      ) : item.isPending ? (
        <Spinner />
      ) : item.error ? (
        <>
          <ErrorMessage error={item.error} />
          <Button variant="secondary" onClick={() => open(null)}>
            {t('imports.another')}
          </Button>
        </>
      ) : item.data.status === 'uploaded' ? (
        <ImportSetup item={item.data} step={setupStep} onStep={setSetupStep} />
      ) : (
        <ImportProgress item={item.data} onAnother={() => open(null)} />
      )}
    </>
  );
}

function Stepper({ current }: { current: Step }) {
  const { t } = useI18n();
  const index = STEPS.indexOf(current);
  return (
    <ol className="stepper" aria-label={t('imports.steps')}>
      {STEPS.map((s, i) => (
        <li key={s} className={i < index ? 'done' : i === index ? 'current' : undefined} aria-current={i === index ? 'step' : undefined}>
          <span className="stepper-number" aria-hidden="true">
            {i < index ? '✓' : i + 1}
          </span>
          <span>{t(`imports.step.${s}`)}</span>
        </li>
      ))}
    </ol>
  );
}

const ACCEPT = '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function UploadCard({ onUploaded }: { onUploaded: (item: ImportOut) => void }) {
  const { t, locale } = useI18n();
  const upload = useUploadImport();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<{ loaded: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!file) return setError(t('imports.pick_file'));
    if (!/\.(csv|xlsx)$/i.test(file.name)) return setError(t('error.imports.unsupported_file'));
    setError(null);
    setProgress({ loaded: 0, total: file.size });
    upload.mutate(
      { file, onProgress: (loaded, total) => setProgress({ loaded, total }) },
      {
        onSuccess: onUploaded,
        onSettled: () => setProgress(null),
      },
    );
  };

  return (
    <Card title={t('imports.upload')} description={t('imports.upload_intro')}>
      <form onSubmit={submit} noValidate aria-label={t('imports.upload')}>
        <ErrorMessage error={upload.error} />
        <div className="field">
          <label htmlFor="import-file">{t('imports.file')}</label>
          <input
            ref={input}
            id="import-file"
            type="file"
            accept={ACCEPT}
            className="file-input"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setError(null);
              upload.reset();
            }}
          />
          {file ? (
            <p className="field-hint">
              <bdi>{file.name}</bdi> · {formatBytes(file.size, locale)}
            </p>
          ) : (
            <p className="field-hint">{t('imports.file_hint')}</p>
          )}
          {error ? <p className="field-error">{error}</p> : null}
        </div>
        {progress ? (
          <div className="upload-progress">
            <ProgressBar value={progress.loaded} max={progress.total} label={t('imports.uploading')} />
            <p className="muted small" aria-live="polite">
              {t('imports.uploaded_of', { loaded: formatBytes(progress.loaded, locale), total: formatBytes(progress.total, locale) })}
            </p>
          </div>
        ) : null}
        <div className="form-actions">
          <Button type="submit" loading={upload.isPending}>
            {t('imports.upload_submit')}
          </Button>
        </div>
      </form>
    </Card>
  );
}

const STATUS_TONE: Record<ImportStatus, 'neutral' | 'info' | 'success' | 'danger' | 'warning'> = {
  uploaded: 'neutral',
  queued: 'info',
  running: 'info',
  completed: 'success',
  failed: 'danger',
};

export function ImportStatusBadge({ status }: { status: ImportStatus }) {
  const { t } = useI18n();
  return <Badge tone={STATUS_TONE[status] ?? 'neutral'}>{t(`imports.status.${status}`)}</Badge>;
}

function PastImports({ onOpen }: { onOpen: (id: string) => void }) {
  const { t, formatDateTime } = useI18n();
  const imports = useImports();
  return (
    <Card title={t('imports.past')}>
      <ErrorMessage error={imports.error} />
      {imports.isPending ? <Spinner /> : null}
      {imports.data && imports.data.items.length === 0 ? <EmptyState>{t('imports.none')}</EmptyState> : null}
      {imports.data && imports.data.items.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="imports-table">
            <thead>
              <tr>
                <th>{t('imports.file')}</th>
                <th>{t('common.status')}</th>
                <th>{t('imports.result')}</th>
                <th className="hide-sm">{t('common.created')}</th>
                <th>
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {imports.data.items.map((i) => (
                <tr key={i.id}>
                  <td className="cell-primary" dir="auto">
                    {i.file_name}
                  </td>
                  <td>
                    <ImportStatusBadge status={i.status} />
                  </td>
                  <td className="muted small">
                    {i.status === 'uploaded' ? t('common.none') : t('imports.summary', { created: i.created, updated: i.updated, errors: i.errors })}
                  </td>
                  <td className="hide-sm nowrap">{formatDateTime(i.created_at)}</td>
                  <td className="cell-actions">
                    <Button size="sm" variant="secondary" onClick={() => onOpen(i.id)}>
                      {i.status === 'uploaded' ? t('imports.continue') : t('imports.view')}
                    </Button>
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

function ImportProgress({ item, onAnother }: { item: ImportOut; onAnother: () => void }) {
  const { t } = useI18n();
  const [report, setReport] = useState<{ pending: boolean; error: unknown }>({ pending: false, error: null });
  const active = isActive(item.status);
  const download = async () => {
    setReport({ pending: true, error: null });
    try {
      await downloadErrorReport(item.id);
      setReport({ pending: false, error: null });
    } catch (error) {
      setReport({ pending: false, error });
    }
  };
  const counters = [
    ['created', item.created],
    ['updated', item.updated],
    ['skipped', item.skipped],
    ['duplicates', item.duplicates_in_file],
    ['errors', item.errors],
  ] as const;

  return (
    <Card
      title={item.status === 'completed' ? t('imports.done_title') : item.status === 'failed' ? t('imports.failed_title') : t('imports.running_title')}
      description={<bdi>{item.file_name}</bdi>}
      actions={<ImportStatusBadge status={item.status} />}
    >
      {active || item.status === 'completed' ? (
        <div className="import-progress">
          <ProgressBar value={item.processed_rows} max={item.status === 'completed' ? Math.max(item.processed_rows, item.total_rows ?? 0, 1) : item.total_rows} label={t('imports.progress')} />
          <p className="muted" aria-live="polite" data-testid="import-processed">
            {item.total_rows !== null
              ? t('imports.processed_of', { processed: item.processed_rows, total: item.total_rows })
              : item.status === 'queued'
                ? t('imports.waiting')
                : t('imports.processed', { processed: item.processed_rows })}
          </p>
        </div>
      ) : null}
      {item.status === 'failed' ? <Alert kind="error">{item.error || t('imports.failed_text')}</Alert> : null}
      <dl className="counters" data-testid="import-counters">
        {counters.map(([key, value]) => (
          <div key={key} className={`counter counter-${key}`} data-testid={`import-${key}`}>
            <dt>{t(`imports.count.${key}`)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {item.status === 'completed' ? <Alert kind={item.errors > 0 ? 'warning' : 'success'}>{item.errors > 0 ? t('imports.done_with_errors', { count: item.errors }) : t('imports.done_text')}</Alert> : null}
      <ErrorMessage error={report.error} />
      {!active ? (
        <div className="button-row">
          {item.errors > 0 ? (
            <Button variant="secondary" loading={report.pending} onClick={download}>
              {t('imports.download_errors')}
            </Button>
          ) : null}
          <Link className="btn btn-primary" to="/contacts">
            {t('imports.view_contacts')}
          </Link>
          <Button variant="ghost" onClick={onAnother}>
            {t('imports.another')}
          </Button>
        </div>
      ) : null}
    </Card>
  );
}
