import { useState, type FormEvent } from 'react';
import { Button, Dialog, ErrorMessage, Field, Select } from '../../../components/ui';
import { useI18n } from '../../../lib/i18n';
import { bulkActionBody, useBulkAction, useContactCount, type BulkAction, type Selection } from '../api/contacts';
import { useLists } from '../api/lists';

const ACTIONS: BulkAction[] = ['tag', 'untag', 'add_to_list', 'remove_from_list', 'delete'];

type Props = {
  selection: Selection;
  /** Number of selected rows, or null for "every contact matching the filter". */
  count: number | null;
  canSelectAllMatching: boolean;
  onSelectAllMatching: () => void;
  onClear: () => void;
  /** After a successful action (the parent clears the selection and reports the count). */
  onDone: (affected: number) => void;
};

/** Tag, untag, add to / remove from a list, or delete the selected contacts (or all matching the filter). */
export function BulkActionBar({ selection, count, canSelectAllMatching, onSelectAllMatching, onClear, onDone }: Props) {
  const { t } = useI18n();
  const lists = useLists();
  const bulk = useBulkAction();
  const [action, setAction] = useState<BulkAction>('tag');
  const [tag, setTag] = useState('');
  const [listId, setListId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  // "All matching" is a filter, not rows on screen: say how many it covers before it runs.
  const matching = useContactCount(selection.kind === 'filter' ? selection.filter : {}, selection.kind === 'filter');
  const covered = count ?? matching.data?.count ?? null;

  const run = () => {
    setConfirming(false);
    bulk.mutate(bulkActionBody(action, selection, { tag, list_id: listId }), {
      onSuccess: (result) => {
        setTag('');
        onDone(result.affected);
      },
    });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if ((action === 'tag' || action === 'untag') && !tag.trim()) return setError(t('contacts.bulk_need_tag'));
    if ((action === 'add_to_list' || action === 'remove_from_list') && !listId) return setError(t('contacts.bulk_need_list'));
    setError(null);
    if (action === 'delete') {
      if (selection.kind === 'filter') void matching.refetch(); // the count as of now, not as cached
      return setConfirming(true);
    }
    run();
  };

  const who =
    count !== null
      ? t('contacts.bulk_selected', { count })
      : covered !== null
        ? t('contacts.bulk_all_matching_count', { count: covered })
        : t('contacts.bulk_all_matching');

  return (
    <>
      <form className="bulk-bar" onSubmit={submit} aria-label={t('contacts.bulk_actions')} noValidate>
        <div className="bulk-who">
          <strong data-testid="bulk-count">{who}</strong>
          {canSelectAllMatching ? (
            <button type="button" className="link-button" onClick={onSelectAllMatching}>
              {t('contacts.bulk_select_all_matching')}
            </button>
          ) : null}
          <button type="button" className="link-button" onClick={onClear}>
            {t('contacts.bulk_clear')}
          </button>
        </div>
        <div className="bulk-controls">
          <Select label={t('contacts.bulk_action')} value={action} onChange={(e) => setAction(e.target.value as BulkAction)}>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {t(`contacts.bulk.${a}`)}
              </option>
            ))}
          </Select>
          {action === 'tag' || action === 'untag' ? (
            <Field label={t('contacts.bulk_tag')} value={tag} onChange={(e) => setTag(e.target.value)} maxLength={50} dir="auto" />
          ) : null}
          {action === 'add_to_list' || action === 'remove_from_list' ? (
            <Select label={t('contacts.bulk_list')} value={listId} onChange={(e) => setListId(e.target.value)}>
              <option value="">{t('contacts.bulk_pick_list')}</option>
              {lists.data?.items.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </Select>
          ) : null}
          <Button type="submit" variant={action === 'delete' ? 'danger' : 'primary'} loading={bulk.isPending}>
            {t('contacts.bulk_apply')}
          </Button>
        </div>
        {error ? <p className="field-error">{error}</p> : null}
        <ErrorMessage error={bulk.error} />
      </form>
      <Dialog
        open={confirming}
        title={t('common.confirm')}
        onClose={() => setConfirming(false)}
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </Button>
            <Button variant="danger" onClick={run}>
              {t('contacts.bulk_delete_confirm_button')}
            </Button>
          </>
        }
      >
        <p>{covered === null ? t('contacts.bulk_delete_confirm_all') : t('contacts.bulk_delete_confirm', { count: covered })}</p>
        <p className="muted">{t('contacts.delete_keeps_consent')}</p>
      </Dialog>
    </>
  );
}
