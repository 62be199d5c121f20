import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { LanguageToggle } from '../../components/language-toggle';
import { ar } from './ar';
import { en } from './en';
import { I18nProvider, resolvePlurals, translate, useI18n } from './index';

function Probe() {
  const { t, dir, locale } = useI18n();
  return (
    <p data-testid="probe" data-dir={dir} data-locale={locale}>
      {t('auth.sign_in')}
    </p>
  );
}

describe('i18n', () => {
  beforeEach(() => {
    localStorage.clear();
    document.documentElement.setAttribute('dir', 'ltr');
    document.documentElement.setAttribute('lang', 'en');
  });

  it('switching to Arabic sets dir="rtl" and lang="ar" on <html>, and back', async () => {
    const user = userEvent.setup();
    render(
      <I18nProvider locale="en">
        <Probe />
        <LanguageToggle />
      </I18nProvider>,
    );
    expect(document.documentElement).toHaveAttribute('dir', 'ltr');
    expect(screen.getByTestId('probe')).toHaveTextContent('Sign in');

    await user.click(screen.getByRole('button', { name: 'Switch language' }));
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
    expect(document.documentElement).toHaveAttribute('lang', 'ar');
    expect(screen.getByTestId('probe')).toHaveTextContent('تسجيل الدخول');
    expect(screen.getByTestId('probe')).toHaveAttribute('data-dir', 'rtl');
    expect(localStorage.getItem('qms_locale')).toBe('ar');

    await user.click(screen.getByRole('button', { name: 'تغيير اللغة' }));
    expect(document.documentElement).toHaveAttribute('dir', 'ltr');
    expect(document.documentElement).toHaveAttribute('lang', 'en');
  });

  it('restores the stored locale on start', () => {
    localStorage.setItem('qms_locale', 'ar');
    act(() => {
      render(
        <I18nProvider>
          <Probe />
        </I18nProvider>,
      );
    });
    expect(screen.getByTestId('probe')).toHaveAttribute('data-locale', 'ar');
    expect(document.documentElement).toHaveAttribute('dir', 'rtl');
  });

  it('interpolates variables', () => {
    expect(translate('en', 'team.invite_sent', { email: 'a@b.co' })).toBe('Invitation sent to a@b.co.');
    expect(translate('ar', 'team.invite_sent', { email: 'a@b.co' })).toBe('تم إرسال الدعوة إلى a@b.co.');
  });

  it('has an Arabic translation for every English message', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(ar[key], key).toBeTypeOf('string');
      if (en[key] !== '') expect(ar[key], key).not.toBe('');
    }
  });

  it('picks the plural form of the locale (Arabic has zero, one, two, few, many, other)', () => {
    expect(translate('en', 'contacts.bulk_delete_confirm', { count: 1 })).toBe('Delete 1 contact?');
    expect(translate('en', 'contacts.bulk_delete_confirm', { count: 3 })).toBe('Delete 3 contacts?');
    expect(translate('ar', 'segments.n_conditions', { count: 1 })).toBe('شرط واحد');
    expect(translate('ar', 'segments.n_conditions', { count: 2 })).toBe('شرطان');
    expect(translate('ar', 'segments.n_conditions', { count: 3 })).toBe('3 شروط');
    expect(translate('ar', 'segments.n_conditions', { count: 11 })).toBe('11 شرطًا');
    expect(translate('ar', 'segments.n_conditions', { count: 100 })).toBe('100 شرط');
    expect(translate('ar', 'contacts.bulk_delete_confirm', { count: 1 })).toBe('حذف جهة اتصال واحدة؟');
    // Text around the plural and other variables are kept.
    expect(translate('en', 'error.rate_limited_retry', { seconds: 1 })).toBe('Too many attempts. Try again in 1 second.');
    expect(resolvePlurals('en', 'A {n, plural, =0 {none} one {# item of {who}} other {# items}} here', { n: 0 })).toBe('A none here');
    expect(resolvePlurals('en', 'A {n, plural, =0 {none} one {# item of {who}} other {# items}} here', { n: 1 })).toBe('A 1 item of {who} here');
  });
  it('writes plural numbers with grouping, has zero branches, and never leaves plural syntax visible', () => {
    expect(translate('en', 'contacts.bulk_delete_confirm', { count: 1234 })).toBe('Delete 1,234 contacts?');
    expect(translate('en', 'contacts.bulk_delete_confirm', { count: 1 })).toBe('Delete 1 contact?');
    expect(translate('en', 'contacts.bulk_delete_confirm', { count: 0 })).toBe('No contacts match: nothing will be deleted.');
    expect(translate('ar', 'contacts.bulk_delete_confirm', { count: 0 })).toBe('لا توجد جهات اتصال مطابقة: لن يُحذف شيء.');
    expect(translate('ar', 'error.field.too_long', { max: 200 })).toBe('أدخل 200 حرف على الأكثر.');
    expect(translate('ar', 'error.field.too_long', { max: 11 })).toBe('أدخل 11 حرفًا على الأكثر.');
    expect(translate('en', 'contacts.bulk_delete_confirm', { count: 'several' })).toBe('Delete several contacts?');
  });
});
