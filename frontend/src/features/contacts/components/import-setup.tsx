import { useMemo, useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Card, ErrorMessage, Field, Radio, Select, TextArea } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { useContactFields, type Purpose } from '../api/contacts';
import {
  BASE_TARGETS,
  buildStartBody,
  columnValues,
  CONSENT_COLUMN_GUESS,
  DEFAULT_OPTED_IN,
  DEFAULT_OPTED_OUT,
  formatBytes,
  guessMapping,
  useStartImport,
  validateImport,
  type ConsentDraft,
  type ImportOut,
  type MappingErrors,
  type OnDuplicate,
} from '../api/imports';

export type SetupStep = 'map' | 'consent';

/** Steps 2 and 3 of the import wizard: preview + column mapping, then consent evidence and start. */
export function ImportSetup({ item, step, onStep }: { item: ImportOut; step: SetupStep; onStep: (step: SetupStep) => void }) {
  const { t, locale } = useI18n();
  const fields = useContactFields();
  const start = useStartImport(item.id);
  const fieldList = fields.data?.items ?? [];
  const [mapping, setMapping] = useState<Record<string, string>>(() => guessMapping(item.headers, []));
  const [guessedFields, setGuessedFields] = useState(false);
  // Custom fields arrive after the first render: add their guesses once.
  if (!guessedFields && fields.data) {
    setGuessedFields(true);
    const guessed = guessMapping(item.headers, fieldList);
    setMapping((m) => ({ ...guessed, ...m }));
  }
  const [consent, setConsent] = useState<ConsentDraft>(() => ({
    mode: 'column',
    purpose: 'marketing',
    column: item.headers.find((h) => CONSENT_COLUMN_GUESS.test(h)) ?? '',
    evidence: '',
    optedIn: DEFAULT_OPTED_IN.join(', '),
    optedOut: DEFAULT_OPTED_OUT.join(', '),
  }));
  const [onDuplicate, setOnDuplicate] = useState<OnDuplicate>('update');
  const [errors, setErrors] = useState<MappingErrors>({});

  const targets = useMemo(
    () => [
      ...BASE_TARGETS.map((target) => ({ target, label: t(`imports.target.${target}`) })),
      ...fieldList.map((f) => ({ target: `fields.${f.key}`, label: f.label })),
    ],
    [fieldList, t],
  );

  const next = (e: FormEvent) => {
    e.preventDefault();
    const found = validateImport(mapping, { ...consent, mode: 'none' });
    setErrors(found);
    if (!found.phone) onStep('consent');
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validateImport(mapping, consent);
    setErrors(found);
    if (found.phone) return onStep('map');
    if (Object.keys(found).length > 0) return;
    start.mutate(buildStartBody(mapping, consent, onDuplicate));
  };

  const values = consent.column ? columnValues(item.headers, item.preview, consent.column) : [];

  return (
    <>
      <Card title={t('imports.preview')}>
        <dl className="details">
          <div>
            <dt>{t('imports.file')}</dt>
            <dd dir="auto">{item.file_name}</dd>
          </div>
          <div>
            <dt>{t('imports.size')}</dt>
            <dd>
              {formatBytes(item.size_bytes, locale)} · <bdi>{item.file_type.toUpperCase()}</bdi>
            </dd>
          </div>
          <div>
            <dt>{t('imports.encoding')}</dt>
            <dd data-testid="import-encoding">{item.encoding ? <Badge tone="info">{item.encoding.toUpperCase()}</Badge> : t('common.none')}</dd>
          </div>
          {item.total_rows !== null ? (
            <div>
              <dt>{t('imports.rows')}</dt>
              <dd>{item.total_rows}</dd>
            </div>
          ) : null}
        </dl>
        <div className="table-wrap preview-wrap">
          <table className="table preview-table" data-testid="import-preview">
            <thead>
              <tr>
                {item.headers.map((h, i) => (
                  <th key={`${h}-${i}`} dir="auto">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {item.preview.map((row, r) => (
                <tr key={r}>
                  {item.headers.map((_, i) => (
                    <td key={i} dir="auto">
                      {row[i] ?? ''}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>

      {step === 'map' ? (
        <Card title={t('imports.mapping')} description={t('imports.mapping_intro')}>
          <form onSubmit={next} noValidate aria-label={t('imports.mapping')}>
            <div className="mapping-grid">
              {targets.map(({ target, label }) => (
                <div key={target}>
                  <Select
                    label={
                      <>
                        {label}
                        {target === 'phone' ? <span className="required-mark"> *</span> : null}
                      </>
                    }
                    value={mapping[target] ?? ''}
                    aria-invalid={target === 'phone' && errors.phone ? true : undefined}
                    onChange={(e) => setMapping((m) => ({ ...m, [target]: e.target.value }))}
                  >
                    <option value="">{t('imports.not_imported')}</option>
                    {item.headers.map((h) => (
                      <option key={h} value={h}>
                        {h}
                      </option>
                    ))}
                  </Select>
                  {target === 'phone' && errors.phone ? <p className="field-error mapping-error">{t('imports.phone_required')}</p> : null}
                </div>
              ))}
            </div>
            <p className="muted small">{t('imports.fields_hint')}</p>
            <div className="form-actions">
              <Button type="submit">{t('common.continue')}</Button>
            </div>
          </form>
        </Card>
      ) : (
        <Card title={t('imports.consent')} description={t('imports.consent_intro')}>
          <form onSubmit={submit} noValidate aria-label={t('imports.consent')}>
            <ErrorMessage error={start.error} />
            <fieldset className="scopes">
              <legend>{t('imports.consent_mode')}</legend>
              {(['column', 'file', 'none'] as const).map((mode) => (
                <Radio
                  key={mode}
                  name="consent_mode"
                  value={mode}
                  checked={consent.mode === mode}
                  onChange={() => setConsent((c) => ({ ...c, mode }))}
                  label={
                    <span className="scope-label">
                      <span>{t(`imports.mode.${mode}`)}</span>
                      <span className="muted">{t(`imports.mode.${mode}_hint`)}</span>
                    </span>
                  }
                />
              ))}
            </fieldset>
            {consent.mode !== 'none' ? (
              <Select label={t('consent.purpose')} value={consent.purpose} onChange={(e) => setConsent((c) => ({ ...c, purpose: e.target.value as Purpose }))}>
                <option value="marketing">{t('consent.purpose.marketing')}</option>
                <option value="utility">{t('consent.purpose.utility')}</option>
              </Select>
            ) : null}
            {consent.mode === 'column' ? (
              <>
                <Select
                  label={t('imports.consent_column')}
                  value={consent.column}
                  aria-invalid={errors.column ? true : undefined}
                  onChange={(e) => setConsent((c) => ({ ...c, column: e.target.value }))}
                >
                  <option value="">{t('imports.pick_column')}</option>
                  {item.headers.map((h) => (
                    <option key={h} value={h}>
                      {h}
                    </option>
                  ))}
                </Select>
                {errors.column ? <p className="field-error mapping-error">{t('imports.column_required')}</p> : null}
                {values.length > 0 ? (
                  <p className="muted small">
                    {t('imports.values_found')}{' '}
                    {values.map((v) => (
                      <code key={v} className="value-chip" dir="auto">
                        {v}
                      </code>
                    ))}
                  </p>
                ) : null}
                <div className="form-row">
                  <Field
                    label={t('imports.opted_in_values')}
                    value={consent.optedIn}
                    onChange={(e) => setConsent((c) => ({ ...c, optedIn: e.target.value }))}
                    hint={t('imports.values_hint')}
                    dir="auto"
                    error={errors.values === 'overlap' ? t('imports.values_overlap') : errors.values ? t('imports.values_required') : undefined}
                  />
                  <Field label={t('imports.opted_out_values')} dir="auto" value={consent.optedOut} onChange={(e) => setConsent((c) => ({ ...c, optedOut: e.target.value }))} hint={t('imports.values_other')} />
                </div>
              </>
            ) : null}
            {consent.mode !== 'none' ? (
              <TextArea
                label={consent.mode === 'file' ? t('imports.evidence_file') : t('imports.evidence_column')}
                hint={t('imports.evidence_hint')}
                value={consent.evidence}
                onChange={(e) => setConsent((c) => ({ ...c, evidence: e.target.value }))}
                error={errors.evidence ? t('imports.evidence_required') : undefined}
                maxLength={4000}
                required
              />
            ) : (
              <Alert kind="warning">{t('imports.mode.none_warning')}</Alert>
            )}
            <fieldset className="scopes">
              <legend>{t('imports.on_duplicate')}</legend>
              {(['update', 'skip'] as const).map((mode) => (
                <Radio
                  key={mode}
                  name="on_duplicate"
                  value={mode}
                  checked={onDuplicate === mode}
                  onChange={() => setOnDuplicate(mode)}
                  label={
                    <span className="scope-label">
                      <span>{t(`imports.duplicate.${mode}`)}</span>
                      <span className="muted">{t(`imports.duplicate.${mode}_hint`)}</span>
                    </span>
                  }
                />
              ))}
            </fieldset>
            <div className="form-actions">
              <Button variant="secondary" onClick={() => onStep('map')}>
                {t('common.back')}
              </Button>
              <Button type="submit" loading={start.isPending}>
                {t('imports.start')}
              </Button>
            </div>
          </form>
        </Card>
      )}
    </>
  );
}
