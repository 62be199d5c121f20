import {
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type ButtonHTMLAttributes,
  type InputHTMLAttributes,
  type ReactNode,
  type RefObject,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';
import { useI18n } from '../../lib/i18n';
import { messageFor, problemFields, problemMessage, problemSummary } from '../../lib/problem';

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: 'primary' | 'secondary' | 'danger' | 'ghost' | 'link';
  size?: 'sm' | 'md';
  loading?: boolean;
};

export function Button({ variant = 'primary', size = 'md', loading, className, children, disabled, type, ...rest }: ButtonProps) {
  return (
    <button
      type={type ?? 'button'}
      className={['btn', `btn-${variant}`, size === 'sm' ? 'btn-sm' : '', className ?? ''].join(' ').trim()}
      disabled={disabled || loading}
      aria-busy={loading || undefined}
      {...rest}
    >
      {loading ? <span className="spinner spinner-inline" aria-hidden="true" /> : null}
      {children}
    </button>
  );
}

type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  label: ReactNode;
  hint?: ReactNode;
  error?: ReactNode;
};

export function Field({ label, hint, error, id, className, ...rest }: FieldProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  return (
    <div className={['field', className ?? ''].join(' ').trim()}>
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
        {...rest}
      />
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

type TextAreaProps = TextareaHTMLAttributes<HTMLTextAreaElement> & {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
};

export function TextArea({ label, hint, error, id, className, ...rest }: TextAreaProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  return (
    <div className={['field', className ?? ''].join(' ').trim()}>
      <label htmlFor={inputId}>{label}</label>
      <textarea
        id={inputId}
        rows={3}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
        {...rest}
      />
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A determinate progress bar (value of max), or an indeterminate one when max is unknown. */
export function ProgressBar({ value, max, label }: { value: number; max: number | null; label: string }) {
  const known = max !== null && max > 0;
  const percent = known ? Math.min(100, Math.round((value / max) * 100)) : null;
  return (
    <div
      className={`progress${known ? '' : ' progress-indeterminate'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={known ? max : undefined}
      aria-valuenow={known ? value : undefined}
      aria-valuetext={percent !== null ? `${percent}%` : undefined}
    >
      <span className="progress-fill" style={percent !== null ? { inlineSize: `${percent}%` } : undefined} />
    </div>
  );
}

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & { label: ReactNode; hideLabel?: boolean };

export function Select({ label, hideLabel, id, children, className, ...rest }: SelectProps) {
  const autoId = useId();
  const selectId = id ?? autoId;
  return (
    <div className={['field', className ?? ''].join(' ').trim()}>
      <label htmlFor={selectId} className={hideLabel ? 'visually-hidden' : undefined}>
        {label}
      </label>
      <select id={selectId} {...rest}>
        {children}
      </select>
    </div>
  );
}

type CheckboxProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'type'> & { label: ReactNode; error?: string | null };

export function Checkbox({ label, error, id, ...rest }: CheckboxProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const errorId = error ? `${inputId}-error` : undefined;
  return (
    <div className="checkbox">
      <input type="checkbox" id={inputId} aria-invalid={error ? true : undefined} aria-describedby={errorId} {...rest} />
      <label htmlFor={inputId}>{label}</label>
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

type RadioProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'type'> & { label: ReactNode };

export function Radio({ label, id, ...rest }: RadioProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  return (
    <div className="checkbox">
      <input type="radio" id={inputId} {...rest} />
      <label htmlFor={inputId}>{label}</label>
    </div>
  );
}

export function Alert({ kind = 'info', children, action }: { kind?: 'info' | 'success' | 'warning' | 'error'; children: ReactNode; action?: ReactNode }) {
  return (
    <div className={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      <div className="alert-body">{children}</div>
      {action ? <div className="alert-action">{action}</div> : null}
    </div>
  );
}

/**
 * An inline error for a failed request, localised from the problem `code`. With `fields` (the
 * request paths of the fields the form shows, each highlighted with its own message), an error
 * that is only about those fields is summarised as "correct the highlighted fields".
 */
export function ErrorMessage({ error, fields }: { error: unknown; fields?: readonly string[] }) {
  const { t } = useI18n();
  if (!error) return null;
  return <Alert kind="error">{fields ? problemSummary(error, t, fields) : problemMessage(error, t)}</Alert>;
}

/**
 * The translated messages of a failed request for the fields of a form (see problemFields),
 * keyed by request path. `clear(name)` hides a field's message once the person edits the field;
 * `stale` is true when every field the error was about has been edited since.
 */
export function useProblemFields(error: unknown) {
  const { t } = useI18n();
  const [edited, setEdited] = useState<{ error: unknown; fields: ReadonlySet<string> }>({ error: null, fields: new Set() });
  const all = problemFields(error, t);
  const cleared = edited.error === error ? edited.fields : new Set<string>();
  const visible = Object.fromEntries(Object.entries(all).filter(([k]) => !cleared.has(k) && ![...cleared].some((c) => k.startsWith(`${c}.`))));
  const names = Object.keys(all);
  const stale = names.length > 0 && Object.keys(visible).length === 0;
  const clear = (name: string) => {
    if (names.some((k) => k === name || k.startsWith(`${name}.`)) && !cleared.has(name)) {
      // From the latest state: two fields cleared in one event both stay cleared.
      setEdited((prev) => ({ error, fields: new Set([...(prev.error === error ? prev.fields : []), name]) }));
    }
  };
  return { fields: visible, message: (name: string) => messageFor(visible, name), clear, stale };
}

/**
 * After a failed submission (whenever `trigger` changes to a truthy value), scroll the error into
 * view and move the focus to the first invalid field in `ref`, or to its error alert.
 */
export function useFocusError(ref: RefObject<HTMLElement | null>, trigger: unknown) {
  const focus = useCallback(() => {
    const root = ref.current;
    if (!root) return;
    const alert = root.querySelector<HTMLElement>('[role="alert"]');
    const field = root.querySelector<HTMLElement>('[aria-invalid="true"]');
    alert?.scrollIntoView?.({ block: 'nearest' });
    if (field) {
      field.focus();
      field.scrollIntoView?.({ block: 'nearest' });
    } else if (alert) {
      if (!alert.hasAttribute('tabindex')) alert.setAttribute('tabindex', '-1');
      alert.focus();
    }
  }, [ref]);
  useEffect(() => {
    if (trigger) focus();
  }, [trigger, focus]);
}

export function Card({ title, description, children, actions, className }: { title?: ReactNode; description?: ReactNode; children?: ReactNode; actions?: ReactNode; className?: string }) {
  return (
    <section className={['card', className ?? ''].join(' ').trim()}>
      {title || actions ? (
        <header className="card-header">
          <div>
            {title ? <h2 className="card-title">{title}</h2> : null}
            {description ? <p className="card-description">{description}</p> : null}
          </div>
          {actions ? <div className="card-actions">{actions}</div> : null}
        </header>
      ) : null}
      {children}
    </section>
  );
}

export function PageHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {description ? <p className="page-description">{description}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

export function Spinner({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="spinner-wrap" role="status">
      <span className="spinner" aria-hidden="true" />
      <span className="visually-hidden">{label ?? t('common.loading')}</span>
    </div>
  );
}

export function Badge({ tone = 'neutral', children }: { tone?: 'neutral' | 'success' | 'warning' | 'danger' | 'info'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
  '[contenteditable="true"]',
].join(',');

/** The elements Tab can reach inside `root`, in order (hidden ones left out). */
export function focusableIn(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest('[hidden],[inert]') && el.getAttribute('aria-hidden') !== 'true');
}

/** Keep Tab / Shift+Tab cycling inside a modal panel. */
function trapTab(panel: HTMLElement, event: KeyboardEvent) {
  const items = focusableIn(panel);
  if (items.length === 0) {
    event.preventDefault();
    panel.focus();
    return;
  }
  const first = items[0];
  const last = items[items.length - 1];
  const active = document.activeElement;
  const inside = active instanceof Node && panel.contains(active);
  if (event.shiftKey && (!inside || active === first || active === panel)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (!inside || active === last)) {
    event.preventDefault();
    first.focus();
  }
}

type DialogProps = {
  open: boolean;
  title: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  onClose?: () => void;
  /** When false, Escape and backdrop clicks do not close the dialog. */
  dismissible?: boolean;
};

export function Dialog({ open, title, children, footer, onClose, dismissible = true }: DialogProps) {
  const titleId = useId();
  const panelRef = useRef<HTMLDivElement>(null);
  // The latest onClose, so that a new callback on each render does not re-run the focus effect
  // (which would move the focus away from the field being typed in).
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  });

  useEffect(() => {
    if (!open) return;
    const previous = document.activeElement as HTMLElement | null;
    panelRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      const panel = panelRef.current;
      if (!panel) return;
      // A dialog opened from this one (a confirmation) handles its own keys.
      const active = document.activeElement;
      const owner = active instanceof Element ? active.closest('[aria-modal="true"]') : null;
      if (owner && owner !== panel) return;
      if (event.key === 'Escape' && dismissible) onCloseRef.current?.();
      if (event.key === 'Tab') trapTab(panel, event);
    };
    // Focus that escapes the dialog by other means (a script, assistive technology) comes back.
    const onFocusIn = (event: FocusEvent) => {
      const panel = panelRef.current;
      const target = event.target;
      if (!panel || !(target instanceof Element) || panel.contains(target)) return;
      if (target.closest('[aria-modal="true"]')) return;
      panel.focus();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('focusin', onFocusIn);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('focusin', onFocusIn);
      previous?.focus?.();
    };
  }, [open, dismissible]);

  if (!open) return null;
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && dismissible && onClose?.()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1} ref={panelRef}>
        <h2 className="dialog-title" id={titleId}>
          {title}
        </h2>
        <div className="dialog-body">{children}</div>
        {footer ? <div className="dialog-footer">{footer}</div> : null}
      </div>
    </div>
  );
}

/** A read-only value with a Copy button (clipboard API with a selection fallback). */
export function CopyField({ value, label, testId }: { value: string; label: ReactNode; testId?: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const id = useId();

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      inputRef.current?.select();
      document.execCommand?.('copy');
    }
    setCopied(true);
    window.setTimeout(() => setCopied(false), 2000);
  };

  return (
    <div className="field copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} ref={inputRef} readOnly value={value} className="mono" data-testid={testId} onFocus={(e) => e.currentTarget.select()} dir="ltr" />
        <Button variant="secondary" onClick={copy}>
          {copied ? t('common.copied') : t('common.copy')}
        </Button>
      </div>
    </div>
  );
}

type ConfirmButtonProps = Omit<ButtonProps, 'onClick'> & {
  /** The question shown in the confirmation dialog. */
  confirm: ReactNode;
  confirmLabel?: ReactNode;
  onConfirm: () => unknown;
};

/** A button that asks for confirmation in a dialog before running a destructive action. */
export function ConfirmButton({ confirm, confirmLabel, onConfirm, children, variant = 'danger', ...rest }: ConfirmButtonProps) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant={variant} {...rest} onClick={() => setOpen(true)}>
        {children}
      </Button>
      <Dialog
        open={open}
        title={t('common.confirm')}
        onClose={() => setOpen(false)}
        footer={
          <>
            <Button variant="secondary" onClick={() => setOpen(false)}>
              {t('common.cancel')}
            </Button>
            <Button
              variant="danger"
              onClick={() => {
                setOpen(false);
                onConfirm();
              }}
            >
              {confirmLabel ?? children}
            </Button>
          </>
        }
      >
        <p>{confirm}</p>
      </Dialog>
    </>
  );
}
