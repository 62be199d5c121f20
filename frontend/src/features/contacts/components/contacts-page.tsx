import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { Alert, Button, Card, CopyField, Dialog, EmptyState, ErrorMessage, Field, PageHeader, Select, Spinner } from '../../../components/ui';
import { useAuth } from '../../../lib/auth-store';
import { useI18n } from '../../../lib/i18n';
import { isolate } from '../../../lib/problem';
import { hasRole } from '../../../lib/roles';
import { useDebounced } from '../../../lib/use-debounced';
import { useWorkspace } from '../../workspace/api/workspace';
import {
  exportContacts,
  isFiltered,
  readFilter,
  useContacts,
  writeFilter,
  type ConsentState,
  type Contact,
  type ContactFilter,
  type ContactSort,
  type Selection,
} from '../api/contacts';
import { useLists } from '../api/lists';
import { optInUrl } from '../api/optin';
import { BulkActionBar } from './bulk-action-bar';
import { ConsentBadge } from './consent-badge';
import { NewContactDialog } from './new-contact-dialog';

export function ContactsPage() {
  const { t } = useI18n();
  const { role } = useAuth();
  const canWrite = hasRole(role, 'marketer');
  const [params, setParams] = useSearchParams();
  const { filter, sort } = readFilter(params);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Contact | null>(null);

  const update = (next: ContactFilter, nextSort: ContactSort = sort) => setParams(writeFilter(next, nextSort), { replace: true });

  return (
    <>
      <PageHeader
        title={t('contacts.title')}
        description={t('contacts.intro')}
        actions={
          <div className="button-row">
            <ShareOptInButton />
            <ExportButton filter={filter} sort={sort} />
            {canWrite ? (
              <>
                <Link className="btn btn-secondary" to="/contacts/import">
                  {t('contacts.import')}
                </Link>
                <Button onClick={() => setCreating(true)}>{t('contacts.new')}</Button>
              </>
            ) : null}
          </div>
        }
      />
      {created ? (
        <Alert kind="success">
          {t('contacts.created')} <Link to={`/contacts/${created.id}`}>{t('contacts.open', { name: created.name || isolate(created.phone ?? '') })}</Link>
        </Alert>
      ) : null}
      <Card>
        <Filters filter={filter} sort={sort} onChange={update} />
        <ContactsTable filter={filter} sort={sort} canWrite={canWrite} />
      </Card>
      {canWrite ? <NewContactDialog open={creating} onClose={() => setCreating(false)} onCreated={setCreated} /> : null}
    </>
  );
}

function Filters({ filter, sort, onChange }: { filter: ContactFilter; sort: ContactSort; onChange: (f: ContactFilter, s?: ContactSort) => void }) {
  const { t } = useI18n();
  const lists = useLists();
  const [q, setQ] = useState(filter.q ?? '');
  const [tag, setTag] = useState(filter.tag ?? '');
  const debouncedQ = useDebounced(q, 300);
  const debouncedTag = useDebounced(tag, 400);

  // Typing updates the URL (and so the query) once the user pauses.
  useEffect(() => {
    if ((filter.q ?? '') !== debouncedQ.trim() || (filter.tag ?? '') !== debouncedTag.trim()) {
      onChange({ ...filter, q: debouncedQ.trim() || undefined, tag: debouncedTag.trim() || undefined });
    }
  }, [debouncedQ, debouncedTag]);

  const clear = () => {
    setQ('');
    setTag('');
    onChange({}, 'newest');
  };

  return (
    <form className="inline-form filters" role="search" aria-label={t('contacts.filters')} onSubmit={(e) => e.preventDefault()}>
      <Field
        className="filter-search"
        label={t('contacts.search')}
        type="search"
        placeholder={t('contacts.search_placeholder')}
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      <Field label={t('contacts.tag')} value={tag} onChange={(e) => setTag(e.target.value)} placeholder={t('contacts.tag_placeholder')} dir="auto" />
      <Select label={t('contacts.list')} value={filter.list_id ?? ''} onChange={(e) => onChange({ ...filter, list_id: e.target.value || undefined })}>
        <option value="">{t('contacts.any_list')}</option>
        {filter.list_id && !lists.data?.items.some((l) => l.id === filter.list_id) ? <option value={filter.list_id}>{t('contacts.list')}</option> : null}
        {lists.data?.items.map((l) => (
          <option key={l.id} value={l.id}>
            {l.name}
          </option>
        ))}
      </Select>
      <Select
        label={t('contacts.consent_filter')}
        value={filter.consent ?? ''}
        onChange={(e) => onChange({ ...filter, consent: (e.target.value || undefined) as ConsentState | undefined })}
      >
        <option value="">{t('contacts.any_consent')}</option>
        <option value="opted_in">{t('consent.state.opted_in')}</option>
        <option value="opted_out">{t('consent.state.opted_out')}</option>
        <option value="none">{t('consent.state.none')}</option>
      </Select>
      <Select label={t('contacts.sort')} value={sort} onChange={(e) => onChange(filter, e.target.value as ContactSort)}>
        <option value="newest">{t('contacts.sort_newest')}</option>
        <option value="name">{t('contacts.sort_name')}</option>
      </Select>
      <Button variant="ghost" onClick={clear} disabled={!isFiltered(filter) && sort === 'newest' && !q && !tag}>
        {t('common.clear')}
      </Button>
    </form>
  );
}

function ContactsTable({ filter, sort, canWrite }: { filter: ContactFilter; sort: ContactSort; canWrite: boolean }) {
  const { t, formatDate } = useI18n();
  const contacts = useContacts(filter, sort);
  const [selected, setSelected] = useState<string[]>([]);
  const [allMatching, setAllMatching] = useState(false);
  const [done, setDone] = useState<number | null>(null);
  const items = useMemo(() => contacts.data?.pages.flatMap((p) => p.items) ?? [], [contacts.data]);
  const allOnPage = items.length > 0 && items.every((c) => selected.includes(c.id));
  const filterKey = JSON.stringify(filter) + sort;

  // A new filter is a new set of rows: forget the selection.
  useEffect(() => {
    setSelected([]);
    setAllMatching(false);
    setDone(null);
  }, [filterKey]);

  const toggle = (id: string, on: boolean) => {
    setAllMatching(false);
    setDone(null);
    setSelected((s) => (on ? [...s, id] : s.filter((x) => x !== id)));
  };
  const toggleAll = (on: boolean) => {
    setAllMatching(false);
    setSelected(on ? items.map((c) => c.id) : []);
  };
  const selection: Selection | null = allMatching ? { kind: 'filter', filter } : selected.length > 0 ? { kind: 'ids', ids: selected } : null;

  return (
    <>
      {sort === 'name' ? <p className="muted field-hint">{t('contacts.sort_name_hint')}</p> : null}
      {canWrite && selection ? (
        <BulkActionBar
          selection={selection}
          count={allMatching ? null : selected.length}
          canSelectAllMatching={!allMatching && allOnPage}
          onSelectAllMatching={() => setAllMatching(true)}
          onClear={() => {
            setSelected([]);
            setAllMatching(false);
          }}
          onDone={(affected) => {
            setSelected([]);
            setAllMatching(false);
            setDone(affected);
          }}
        />
      ) : null}
      {done !== null && !selection ? <Alert kind="success">{t('contacts.bulk_done', { count: done })}</Alert> : null}
      <ErrorMessage error={contacts.error} />
      {contacts.isPending ? <Spinner /> : null}
      {contacts.data && items.length === 0 ? <EmptyState>{isFiltered(filter) ? t('contacts.empty_filtered') : t('contacts.empty')}</EmptyState> : null}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table className="table contacts-table" data-testid="contacts-table" aria-busy={contacts.isFetching || undefined}>
            <thead>
              <tr>
                {canWrite ? (
                  <th className="cell-check">
                    <input type="checkbox" aria-label={t('contacts.select_all')} checked={allOnPage || allMatching} onChange={(e) => toggleAll(e.target.checked)} />
                  </th>
                ) : null}
                <th>{t('contacts.contact')}</th>
                <th className="hide-sm">{t('contacts.tags')}</th>
                <th>{t('contacts.marketing')}</th>
                <th className="hide-sm">{t('contacts.utility')}</th>
                <th className="hide-sm">{t('common.created')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id} className={selected.includes(c.id) || allMatching ? 'selected' : undefined}>
                  {canWrite ? (
                    <td className="cell-check">
                      <input
                        type="checkbox"
                        aria-label={t('contacts.select', { name: c.name || c.phone || c.id })}
                        checked={allMatching || selected.includes(c.id)}
                        onChange={(e) => toggle(c.id, e.target.checked)}
                      />
                    </td>
                  ) : null}
                  <td className="cell-primary">
                    <Link to={`/contacts/${c.id}`}>{c.name || <bdi dir="ltr">{c.phone}</bdi>}</Link>
                    {c.name ? (
                      <div className="muted">
                        <bdi dir="ltr">{c.phone}</bdi>
                      </div>
                    ) : null}
                  </td>
                  <td className="hide-sm">
                    <div className="tag-list">
                      {c.tags.map((tag) => (
                        <span key={tag} className="chip" dir="auto">
                          {tag}
                        </span>
                      ))}
                    </div>
                  </td>
                  <td>
                    <ConsentBadge state={c.marketing_consent} />
                  </td>
                  <td className="hide-sm">
                    <ConsentBadge state={c.utility_consent} />
                  </td>
                  <td className="hide-sm nowrap">{formatDate(c.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {contacts.hasNextPage ? (
        <div className="form-actions">
          <Button variant="secondary" loading={contacts.isFetchingNextPage} onClick={() => contacts.fetchNextPage()}>
            {t('common.load_more')}
          </Button>
        </div>
      ) : null}
    </>
  );
}

function ExportButton({ filter, sort }: { filter: ContactFilter; sort: ContactSort }) {
  const { t } = useI18n();
  // The same query as the table (shared, not fetched twice): nothing to export when it is empty.
  const contacts = useContacts(filter, sort);
  const empty = !contacts.isPlaceholderData && contacts.data?.pages[0]?.items.length === 0;
  const [state, setState] = useState<{ pending: boolean; error: unknown }>({ pending: false, error: null });
  const run = async () => {
    setState({ pending: true, error: null });
    try {
      await exportContacts(filter);
      setState({ pending: false, error: null });
    } catch (error) {
      setState({ pending: false, error });
    }
  };
  return (
    <>
      <Button variant="secondary" loading={state.pending} onClick={run} disabled={empty} title={empty ? t('contacts.export_empty') : undefined}>
        {t('contacts.export')}
      </Button>
      {state.error ? (
        <div className="page-actions-error">
          <ErrorMessage error={state.error} />
        </div>
      ) : null}
    </>
  );
}

/** The workspace's hosted opt-in page, to share with customers. */
function ShareOptInButton() {
  const { t } = useI18n();
  const workspace = useWorkspace();
  const [open, setOpen] = useState(false);
  if (!workspace.data) return null;
  const url = optInUrl(workspace.data.slug);
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        {t('optin.share')}
      </Button>
      <Dialog
        open={open}
        title={t('optin.share_title')}
        onClose={() => setOpen(false)}
        footer={
          <>
            <a className="btn btn-secondary" href={url} target="_blank" rel="noreferrer">
              {t('optin.open_page')}
            </a>
            <Button onClick={() => setOpen(false)}>{t('common.close')}</Button>
          </>
        }
      >
        <p>{t('optin.share_text')}</p>
        <CopyField label={t('optin.link')} value={url} testId="optin-link" />
        <Alert kind="info">{t('optin.share_note')}</Alert>
      </Dialog>
    </>
  );
}
