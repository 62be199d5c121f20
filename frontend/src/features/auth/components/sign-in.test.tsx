import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authStore } from '../../../lib/auth-store';
import { json, mockApi, renderWithProviders } from '../../../test/utils';
import { safeNext, SignInPage } from './sign-in';

describe('SignInPage', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    authStore.reset();
  });

  it('asks for the two-factor code when the API answers auth.totp_required', async () => {
    const user = userEvent.setup();
    const { calls } = mockApi({
      'POST /api/v1/auth/login': ({ body }) =>
        (body as { totp_code?: string }).totp_code === '123456'
          ? json({ access_token: 'a', token_type: 'bearer', expires_in: 900, workspace_id: 'w', role: 'owner' })
          : json({ code: 'auth.totp_required', detail: 'code needed', status: 401 }, 401),
    });
    renderWithProviders(<SignInPage />, { route: '/signin' });
    await user.type(screen.getByLabelText('Email'), 'a@b.co');
    await user.type(screen.getByLabelText('Password'), 'secret-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    const code = await screen.findByLabelText('Authentication code');
    // Being asked for a code is a step, not an error.
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    await user.type(code, '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    await vi.waitFor(() => expect(authStore.get().status).toBe('authenticated'));
    expect(calls[1]?.body).toEqual({ email: 'a@b.co', password: 'secret-password', totp_code: '123456' });
  });

  it('shows a localised message for wrong credentials', async () => {
    const user = userEvent.setup();
    mockApi({ 'POST /api/v1/auth/login': () => json({ code: 'auth.invalid_credentials', detail: 'Invalid' }, 401) });
    renderWithProviders(<SignInPage />, { route: '/signin', locale: 'ar' });
    await user.type(screen.getByLabelText('البريد الإلكتروني'), 'a@b.co');
    await user.type(screen.getByLabelText('كلمة المرور'), 'nope-nope-nope');
    await user.click(screen.getByRole('button', { name: 'تسجيل الدخول' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('البريد الإلكتروني أو كلمة المرور غير صحيحة.');
  });

  it('only follows same-site relative "next" paths', () => {
    expect(safeNext('/settings/team')).toBe('/settings/team');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});
