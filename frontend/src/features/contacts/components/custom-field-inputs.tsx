import { Checkbox, Field } from '../../../components/ui';
import type { FieldDefinition } from '../api/contacts';

/** An input per custom field, by its type (text, number, date, boolean). Values are kept as form strings. */
export function CustomFieldInputs({
  fields,
  values,
  onChange,
  disabled,
  errors,
}: {
  fields: FieldDefinition[];
  values: Record<string, string | boolean>;
  /** The new values, and the key of the field that changed. */
  onChange: (next: Record<string, string | boolean>, key: string) => void;
  disabled?: boolean;
  /** Error messages by field key. */
  errors?: Record<string, string>;
}) {
  if (fields.length === 0) return null;
  const set = (key: string, value: string | boolean) => onChange({ ...values, [key]: value }, key);
  return (
    <>
      {fields.map((f) =>
        f.type === 'boolean' ? (
          <Checkbox key={f.key} label={f.label} checked={values[f.key] === true || values[f.key] === 'true'} disabled={disabled} error={errors?.[f.key]} onChange={(e) => set(f.key, e.target.checked)} />
        ) : (
          <Field
            key={f.key}
            label={f.label}
            name={`fields.${f.key}`}
            type={f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'text'}
            inputMode={f.type === 'number' ? 'decimal' : undefined}
            value={typeof values[f.key] === 'string' ? (values[f.key] as string) : ''}
            disabled={disabled}
            onChange={(e) => set(f.key, e.target.value)}
            error={errors?.[f.key]}
            dir="auto"
          />
        ),
      )}
    </>
  );
}
