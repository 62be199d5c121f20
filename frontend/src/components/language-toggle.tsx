import { useI18n } from '../lib/i18n';

export function LanguageToggle({ className }: { className?: string }) {
  const { t, locale, setLocale } = useI18n();
  const next = locale === 'ar' ? 'en' : 'ar';
  return (
    <button
      type="button"
      className={['btn btn-ghost lang-toggle', className ?? ''].join(' ').trim()}
      onClick={() => setLocale(next)}
      aria-label={t('lang.toggle_label')}
      lang={next}
      data-testid="language-toggle"
    >
      {t('lang.toggle')}
    </button>
  );
}
