import { useState, type FormEvent } from 'react';
import { Badge, Button, Card, ConfirmButton, EmptyState, ErrorMessage, Field, PageHeader, Select, Spinner, useProblemFields } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n } from '../../../lib/i18n';
import { hasRole } from '../../../lib/roles';
import { useContactFields, useCreateField, useDeleteField } from '../api/contacts';

const TYPES = ['text', 'number', 'date', 'boolean'] as const;
type FieldType = (typeof TYPES)[number];

/** The workspace's typed custom contact fields. */
export function FieldsPage() {
  const { t } = useI18n();
  const { role } = useAuth();
  const canWrite = hasRole(role, 'marketer');
  const fields = useContactFields();
  const remove = useDeleteField();
  return (
    <>
      <PageHeader title={t('fields.title')} description={t('fields.intro')} />
      {canWrite ? <CreateFieldCard /> : null}
      <Card title={t('fields.title')}>
        <ErrorMessage error={fields.error ?? remove.error} />
        {fields.isPending ? <Spinner /> : null}
        {fields.data && fields.data.items.length === 0 ? <EmptyState>{t('fields.empty')}</EmptyState> : null}
        {fields.data && fields.data.items.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="fields-table">
              <thead>
                <tr>
                  <th>{t('fields.label')}</th>
                  <th>{t('fields.key')}</th>
                  <th>{t('fields.type')}</th>
                  <th>
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {fields.data.items.map((f) => (
                  <tr key={f.key}>
                    <td className="cell-primary">{f.label}</td>
                    <td>
                      <code dir="ltr">{f.key}</code>
                    </td>
                    <td>
                      <Badge>{TYPES.includes(f.type as FieldType) ? t(`fields.type.${f.type as FieldType}`) : f.type}</Badge>
                    </td>
                    <td className="cell-actions">
                      {canWrite ? (
                        <ConfirmButton size="sm" confirm={t('fields.delete_confirm', { label: f.label })} onConfirm={() => remove.mutate(f.key)}>
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

/** "Date of birth" -> "date_of_birth". */
export function keyFromLabel(label: string): string {
  const key = label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^[^a-z]+/, '');
  return key.slice(0, 64);
}

function CreateFieldCard() {
  const { t } = useI18n();
  const create = useCreateField();
  const [label, setLabel] = useState('');
  const [key, setKey] = useState('');
  const [keyEdited, setKeyEdited] = useState(false);
  const [type, setType] = useState<FieldType>('text');
  const [errors, setErrors] = useState<{ label?: string; key?: string }>({});
  const server = useProblemFields(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next: typeof errors = {};
    if (!label.trim()) next.label = t('auth.required');
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(key)) next.key = t('fields.key_invalid');
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    create.mutate(
      { key, label: label.trim(), type },
      {
        onSuccess: () => {
          setLabel('');
          setKey('');
          setKeyEdited(false);
        },
      },
    );
  };
  return (
    <Card title={t('fields.create')}>
      <form className="inline-form" onSubmit={submit} noValidate aria-label={t('fields.create')}>
        <Field
          label={t('fields.label')}
          value={label}
          onChange={(e) => {
            setLabel(e.target.value);
            server.clear('label');
            if (!keyEdited) {
              setKey(keyFromLabel(e.target.value));
              server.clear('key');
            }
          }}
          error={errors.label ?? server.message('label')}
          maxLength={100}
        />
        <Field
          label={t('fields.key')}
          value={key}
          onChange={(e) => {
            setKey(e.target.value);
            setKeyEdited(true);
            server.clear('key');
          }}
          error={errors.key ?? server.message('key')}
          hint={t('fields.key_hint')}
          dir="ltr"
          className="mono"
        />
        <Select label={t('fields.type')} value={type} onChange={(e) => setType(e.target.value as FieldType)}>
          {TYPES.map((ty) => (
            <option key={ty} value={ty}>
              {t(`fields.type.${ty}`)}
            </option>
          ))}
        </Select>
        <Button type="submit" loading={create.isPending}>
          {t('fields.create_submit')}
        </Button>
      </form>
      <ErrorMessage error={server.stale ? null : create.error} fields={['label', 'key']} />
    </Card>
  );
}
