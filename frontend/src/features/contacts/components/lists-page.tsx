import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Card, ConfirmButton, Dialog, EmptyState, ErrorMessage, Field, PageHeader, Spinner, useProblemFields } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n } from '../../../lib/i18n';
import { hasRole } from '../../../lib/roles';
import { useCreateList, useDeleteList, useLists, useUpdateList, type ContactList } from '../api/lists';

/** Static lists: member counts, create / rename / delete; a list opens the contacts filtered by it. */
export function ListsPage() {
  const { t, formatDate } = useI18n();
  const { role } = useAuth();
  const canWrite = hasRole(role, 'marketer');
  const lists = useLists();
  const remove = useDeleteList();
  const [renaming, setRenaming] = useState<ContactList | null>(null);

  return (
    <>
      <PageHeader title={t('lists.title')} description={t('lists.intro')} />
      {canWrite ? <CreateListCard /> : null}
      <Card title={t('lists.title')}>
        <ErrorMessage error={lists.error ?? remove.error} />
        {lists.isPending ? <Spinner /> : null}
        {lists.data && lists.data.items.length === 0 ? <EmptyState>{t('lists.empty')}</EmptyState> : null}
        {lists.data && lists.data.items.length > 0 ? (
          <div className="table-wrap">
            <table className="table" data-testid="lists-table">
              <thead>
                <tr>
                  <th>{t('common.name')}</th>
                  <th>{t('lists.members')}</th>
                  <th className="hide-sm">{t('common.created')}</th>
                  <th>
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {lists.data.items.map((l) => (
                  <tr key={l.id}>
                    <td className="cell-primary">
                      <Link to={`/contacts?list_id=${l.id}`}>{l.name}</Link>
                      {l.description ? <div className="muted">{l.description}</div> : null}
                    </td>
                    <td data-testid="list-members">{l.members}</td>
                    <td className="hide-sm nowrap">{formatDate(l.created_at)}</td>
                    <td className="cell-actions">
                      {canWrite ? (
                        <>
                          <Button size="sm" variant="secondary" onClick={() => setRenaming(l)}>
                            {t('lists.rename')}
                          </Button>
                          <ConfirmButton size="sm" confirm={t('lists.delete_confirm', { name: l.name })} onConfirm={() => remove.mutate(l.id)}>
                            {t('common.delete')}
                          </ConfirmButton>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>
      <RenameDialog list={renaming} onClose={() => setRenaming(null)} />
    </>
  );
}

function CreateListCard() {
  const { t } = useI18n();
  const create = useCreateList();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);
  const server = useProblemFields(create.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError(t('auth.required'));
    setError(null);
    create.mutate(
      { name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}) },
      {
        onSuccess: () => {
          setName('');
          setDescription('');
        },
      },
    );
  };
  return (
    <Card title={t('lists.create')}>
      <form className="inline-form" onSubmit={submit} noValidate aria-label={t('lists.create')}>
        <Field
          label={t('common.name')}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setError(null);
            server.clear('name');
          }}
          error={error ?? server.message('name')}
          maxLength={200}
          dir="auto"
        />
        <Field
          label={
            <>
              {t('lists.description')} <span className="muted">({t('common.optional')})</span>
            </>
          }
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <Button type="submit" loading={create.isPending}>
          {t('lists.create_submit')}
        </Button>
      </form>
      <ErrorMessage error={server.stale ? null : create.error} fields={['name']} />
      {create.isSuccess ? <Alert kind="success">{t('lists.created', { name: create.data.name })}</Alert> : null}
    </Card>
  );
}

function RenameDialog({ list, onClose }: { list: ContactList | null; onClose: () => void }) {
  const { t } = useI18n();
  const update = useUpdateList();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [current, setCurrent] = useState<string | null>(null);
  if (list && current !== list.id) {
    setCurrent(list.id);
    setName(list.name);
    setDescription(list.description ?? '');
    update.reset();
  }
  const close = () => {
    setCurrent(null);
    onClose();
  };
  return (
    <Dialog
      open={Boolean(list)}
      title={t('lists.rename')}
      onClose={close}
      footer={
        <>
          <Button variant="secondary" onClick={close}>
            {t('common.cancel')}
          </Button>
          <Button
            loading={update.isPending}
            disabled={!name.trim()}
            onClick={() => list && update.mutate({ id: list.id, name: name.trim(), description: description.trim() || null }, { onSuccess: close })}
          >
            {t('common.save')}
          </Button>
        </>
      }
    >
      <ErrorMessage error={update.error} />
      <Field label={t('common.name')} value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
      <Field label={t('lists.description')} value={description} onChange={(e) => setDescription(e.target.value)} />
    </Dialog>
  );
}
