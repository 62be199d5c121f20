import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Footer } from '../../../components/layouts/footer';
import { renderWithProviders } from '../../../test/utils';
import { CookieBanner } from './cookie-banner';

function clearCookies() {
  for (const part of document.cookie.split(';')) {
    const name = part.split('=')[0]?.trim();
    if (name) document.cookie = `${name}=; Max-Age=0; Path=/`;
  }
}

describe('CookieBanner', () => {
  beforeEach(clearCookies);
  afterEach(() => vi.restoreAllMocks());

  it('asks on first visit and stores "all" for a year with SameSite=Lax', async () => {
    const user = userEvent.setup();
    const setCookie = vi.spyOn(document, 'cookie', 'set');
    renderWithProviders(<CookieBanner />);

    const banner = screen.getByRole('region', { name: 'Cookies' });
    await user.click(screen.getByRole('button', { name: 'Accept all' }));

    expect(banner).not.toBeInTheDocument();
    expect(document.cookie).toContain('qms_cookie_consent=all');
    const written = setCookie.mock.calls.map(([value]) => value).find((v) => v.startsWith('qms_cookie_consent='));
    expect(written).toMatch(/Max-Age=31536000/);
    expect(written).toMatch(/SameSite=Lax/);
    expect(written).toMatch(/Path=\//);
  });

  it('stores "essential" and is not shown again once chosen', async () => {
    const user = userEvent.setup();
    const first = renderWithProviders(<CookieBanner />);
    await user.click(screen.getByRole('button', { name: 'Essential only' }));
    expect(document.cookie).toContain('qms_cookie_consent=essential');
    first.unmount();

    renderWithProviders(<CookieBanner />);
    expect(screen.queryByRole('region', { name: 'Cookies' })).not.toBeInTheDocument();
  });

  it('can be re-opened from the footer to change the choice', async () => {
    const user = userEvent.setup();
    document.cookie = 'qms_cookie_consent=essential; Path=/';
    renderWithProviders(
      <>
        <CookieBanner />
        <Footer />
      </>,
    );
    expect(screen.queryByRole('region', { name: 'Cookies' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Cookie settings' }));
    await user.click(screen.getByRole('button', { name: 'Accept all' }));
    expect(document.cookie).toContain('qms_cookie_consent=all');
    expect(screen.queryByRole('region', { name: 'Cookies' })).not.toBeInTheDocument();
  });

  it('ignores an unknown stored value and asks again', () => {
    document.cookie = 'qms_cookie_consent=maybe; Path=/';
    renderWithProviders(<CookieBanner />);
    expect(screen.getByRole('region', { name: 'Cookies' })).toBeInTheDocument();
  });
});
