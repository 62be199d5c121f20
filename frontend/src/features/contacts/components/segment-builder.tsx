import { Button, Field, Select } from '../../../components/ui';
import { useI18n, type MessageKey } from '../../../lib/i18n';
import type { FieldDefinition } from '../api/contacts';
import type { ContactList } from '../api/lists';
import { BASE_FIELDS, CONSENT_VALUES, kindOf, newRow, opsFor, rowError, type Builder, type BuilderRow, type FieldTypes, type SegmentOp } from '../api/segments';

type Props = {
  builder: Builder;
  onChange: (next: Builder) => void;
  fields: FieldDefinition[];
  lists: ContactList[];
  showErrors?: boolean;
};

export function fieldTypesOf(fields: FieldDefinition[]): FieldTypes {
  return Object.fromEntries(fields.map((f) => [f.key, f.type]));
}

/** Rows of field / operator / value joined by all or any. */
export function SegmentBuilder({ builder, onChange, fields, lists, showErrors }: Props) {
  const { t } = useI18n();
  const types = fieldTypesOf(fields);
  const fieldOptions = [
    ...BASE_FIELDS.map((f) => ({ value: f as string, label: t(`segments.field.${f}`) })),
    ...fields.map((f) => ({ value: `fields.${f.key}`, label: f.label })),
  ];

  const setRow = (id: string, patch: Partial<BuilderRow>) =>
    onChange({ ...builder, rows: builder.rows.map((r) => (r.id === id ? { ...r, ...patch } : r)) });
  const changeField = (row: BuilderRow, field: string) => setRow(row.id, { field, op: opsFor(field, types)[0]!, value: '' });

  const opLabel = (field: string, op: SegmentOp) => {
    const kind = kindOf(field, types);
    const dated = (kind === 'timestamp' || kind === 'date') && ['gt', 'gte', 'lt', 'lte'].includes(op);
    return t((dated ? `segments.op_date.${op}` : `segments.op.${op}`) as MessageKey);
  };

  return (
    <fieldset className="segment-builder">
      <legend className="visually-hidden">{t('segments.conditions')}</legend>
      <Select label={t('segments.join')} value={builder.join} onChange={(e) => onChange({ ...builder, join: e.target.value as Builder['join'] })} className="join-select">
        <option value="all">{t('segments.join_all')}</option>
        <option value="any">{t('segments.join_any')}</option>
      </Select>
      {builder.rows.length === 0 ? <p className="muted">{t('segments.no_conditions')}</p> : null}
      <ol className="condition-list">
        {builder.rows.map((row, index) => {
          const kind = kindOf(row.field, types);
          const error = showErrors ? rowError(row, types) : null;
          const valueLabel = t('segments.value_n', { n: index + 1 });
          return (
            <li key={row.id} className="condition-row" data-testid="condition-row">
              <Select label={t('segments.field_n', { n: index + 1 })} value={row.field} onChange={(e) => changeField(row, e.target.value)}>
                {fieldOptions.map((f) => (
                  <option key={f.value} value={f.value}>
                    {f.label}
                  </option>
                ))}
              </Select>
              <Select label={t('segments.op_n', { n: index + 1 })} value={row.op} onChange={(e) => setRow(row.id, { op: e.target.value as SegmentOp })}>
                {opsFor(row.field, types).map((op) => (
                  <option key={op} value={op}>
                    {opLabel(row.field, op)}
                  </option>
                ))}
              </Select>
              {row.op === 'exists' ? (
                <div className="field condition-spacer" />
              ) : kind === 'list' ? (
                <Select label={valueLabel} value={row.value} onChange={(e) => setRow(row.id, { value: e.target.value })} aria-invalid={error ? true : undefined}>
                  <option value="">{t('contacts.bulk_pick_list')}</option>
                  {lists.map((l) => (
                    <option key={l.id} value={l.id}>
                      {l.name}
                    </option>
                  ))}
                </Select>
              ) : kind === 'consent' ? (
                <Select label={valueLabel} value={row.value} onChange={(e) => setRow(row.id, { value: e.target.value })} aria-invalid={error ? true : undefined}>
                  <option value="">{t('segments.pick_value')}</option>
                  {CONSENT_VALUES.map((v) => (
                    <option key={v} value={v}>
                      {t(`consent.state.${v}`)}
                    </option>
                  ))}
                </Select>
              ) : kind === 'boolean' ? (
                <Select label={valueLabel} value={row.value} onChange={(e) => setRow(row.id, { value: e.target.value })} aria-invalid={error ? true : undefined}>
                  <option value="">{t('segments.pick_value')}</option>
                  <option value="true">{t('common.yes')}</option>
                  <option value="false">{t('common.no')}</option>
                </Select>
              ) : (
                <Field
                  label={valueLabel}
                  type={kind === 'timestamp' || kind === 'date' ? 'date' : kind === 'number' ? 'number' : 'text'}
                  value={row.value}
                  onChange={(e) => setRow(row.id, { value: e.target.value })}
                  placeholder={row.op === 'in' ? t('segments.in_placeholder') : kind === 'country' ? 'SD' : undefined}
                  hint={row.op === 'in' ? t('segments.in_hint') : undefined}
                  error={error === 'required' ? t('auth.required') : error === 'number' ? t('segments.need_number') : undefined}
                  dir="auto"
                />
              )}
              <Button
                variant="ghost"
                size="sm"
                className="condition-remove"
                aria-label={t('segments.remove_condition', { n: index + 1 })}
                onClick={() => onChange({ ...builder, rows: builder.rows.filter((r) => r.id !== row.id) })}
              >
                ×
              </Button>
              {error && (kind === 'list' || kind === 'consent' || kind === 'boolean') ? <p className="field-error">{t('auth.required')}</p> : null}
            </li>
          );
        })}
      </ol>
      <Button variant="secondary" size="sm" onClick={() => onChange({ ...builder, rows: [...builder.rows, newRow()] })}>
        {t('segments.add_condition')}
      </Button>
    </fieldset>
  );
}
