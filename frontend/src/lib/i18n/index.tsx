import { createContext, useCallback, useContext, useLayoutEffect, useMemo, useState, type ReactNode } from 'react';
import { ar } from './ar';
import { en, type MessageKey } from './en';

export type { MessageKey } from './en';

export const LOCALES = ['en', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];
export type Vars = Record<string, string | number>;
export type Translate = (key: MessageKey, vars?: Vars) => string;

const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, ar };
const STORAGE_KEY = 'qms_locale';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

const pluralRules: Partial<Record<Locale, Intl.PluralRules>> = {};
const numberFormats: Partial<Record<Locale, Intl.NumberFormat>> = {};

/** The end of the brace group opening at `start` (the index of its `{`), or -1. */
function closing(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Resolve ICU-style plurals: `{count, plural, one {# contact} other {# contacts}}` picks the
 * branch of the locale's plural category for vars.count (Arabic has zero, one, two, few, many
 * and other), or an exact `=N` branch; `#` is the number.
 */
export function resolvePlurals(locale: Locale, template: string, vars: Vars): string {
  const head = /\{(\w+),\s*plural,/g;
  let out = '';
  let from = 0;
  let m: RegExpExecArray | null;
  while ((m = head.exec(template))) {
    const end = closing(template, m.index);
    if (end < 0 || !(m[1] in vars)) continue;
    const value = Number(vars[m[1]]);
    const branches: Record<string, string> = {};
    let i = m.index + m[0].length;
    while (i < end) {
      const sel = /\s*(=?\w+)\s*\{/y;
      sel.lastIndex = i;
      const b = sel.exec(template);
      if (!b) break;
      const open = sel.lastIndex - 1;
      const close = closing(template, open);
      if (close < 0 || close > end) break;
      branches[b[1]] = template.slice(open + 1, close);
      i = close + 1;
    }
    const rules = (pluralRules[locale] ??= new Intl.PluralRules(locale));
    const numbers = (numberFormats[locale] ??= new Intl.NumberFormat(`${locale}-u-nu-latn`));
    const known = !Number.isNaN(value);
    const chosen = (known ? (branches[`=${value}`] ?? branches[rules.select(value)]) : undefined) ?? branches.other ?? '';
    out += template.slice(from, m.index) + chosen.replace(/#/g, known ? numbers.format(value) : String(vars[m[1]]));
    from = end + 1;
    head.lastIndex = from;
  }
  return out + template.slice(from);
}

export function translate(locale: Locale, key: MessageKey, vars?: Vars): string {
  const template = dictionaries[locale][key] ?? en[key] ?? key;
  if (!vars) return template;
  return resolvePlurals(locale, template, vars).replace(/\{(\w+)\}/g, (match, name: string) =>
    name in vars ? String(vars[name]) : match,
  );
}

export function directionOf(locale: Locale): 'rtl' | 'ltr' {
  return locale === 'ar' ? 'rtl' : 'ltr';
}

/** Set `lang` and `dir` on <html> so the whole document (and the browser) follows the locale. */
export function applyDocumentLocale(locale: Locale): void {
  const root = document.documentElement;
  root.setAttribute('lang', locale);
  root.setAttribute('dir', directionOf(locale));
}

function initialLocale(): Locale {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (isLocale(stored)) return stored;
  } catch {
    // storage unavailable
  }
  if (typeof navigator !== 'undefined' && navigator.language?.toLowerCase().startsWith('ar')) return 'ar';
  return 'en';
}

type I18nContextValue = {
  locale: Locale;
  dir: 'rtl' | 'ltr';
  setLocale: (locale: Locale) => void;
  t: Translate;
  formatDateTime: (value: string | null | undefined) => string;
  formatDate: (value: string | null | undefined) => string;
};

const I18nContext = createContext<I18nContextValue | null>(null);

export function I18nProvider({ children, locale: forced }: { children: ReactNode; locale?: Locale }) {
  const [locale, setLocaleState] = useState<Locale>(() => forced ?? initialLocale());

  useLayoutEffect(() => {
    applyDocumentLocale(locale);
  }, [locale]);

  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // ignore
    }
  }, []);

  const value = useMemo<I18nContextValue>(() => {
    const tag = locale === 'ar' ? 'ar' : 'en-GB';
    const dateTime = new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short' });
    const dateOnly = new Intl.DateTimeFormat(tag, { dateStyle: 'long' });
    const fmt = (f: Intl.DateTimeFormat) => (value: string | null | undefined) => {
      if (!value) return translate(locale, 'common.none');
      const d = new Date(value);
      return Number.isNaN(d.getTime()) ? value : f.format(d);
    };
    return {
      locale,
      dir: directionOf(locale),
      setLocale,
      t: (key, vars) => translate(locale, key, vars),
      formatDateTime: fmt(dateTime),
      formatDate: fmt(dateOnly),
    };
  }, [locale, setLocale]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nContextValue {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n must be used inside <I18nProvider>');
  return ctx;
}
