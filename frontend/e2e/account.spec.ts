import { expect, test } from '@playwright/test';
import { freshTotp, linkFromOutbox, PASSWORD, signUpOwner, uniqueEmail } from './helpers';

test('profile, two-factor sign-in, sessions, password reset and the audit log', async ({ page, request }) => {
  // Three TOTP codes: the last may wait up to 30 s for a fresh step (see freshTotp).
  test.setTimeout(120_000);
  const email = uniqueEmail('secure');
  const business = `Secure Co ${Date.now()}`;
  await signUpOwner(page, { email, name: 'Sami Secure', business });

  // Profile: change the name and the language (the UI follows the saved locale).
  await page.goto('/settings/profile');
  await page.getByLabel('Full name').fill('Sami S. Secure');
  await page.getByLabel('Language', { exact: true }).selectOption('ar');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.getByText('تم الحفظ.')).toBeVisible();
  await page.getByLabel('اللغة', { exact: true }).selectOption('en');
  await page.getByRole('button', { name: 'حفظ التغييرات' }).click();
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');

  // Workspace settings.
  await page.goto('/settings/workspace');
  await page.getByLabel('Contact email').fill('hello@secure.example');
  await page.getByLabel('Time zone').fill('Africa/Khartoum');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Contact email')).toHaveValue('hello@secure.example');

  // Two-factor: set up, enable with a real TOTP code, see recovery codes once.
  await page.goto('/settings/security');
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  const secret = await page.getByTestId('totp-secret').inputValue();
  const usedCodes = new Set<string>();
  await expect(page.getByTestId('totp-uri')).toHaveValue(/^otpauth:\/\/totp\//);
  await page.getByLabel('6-digit code').fill(await freshTotp(secret, usedCodes));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByTestId('recovery-codes').locator('li');
  await expect(codes.first()).toBeVisible();
  const recoveryCode = (await codes.first().textContent())!.trim();
  await page.getByRole('button', { name: 'I have saved these codes' }).click();
  await expect(page.getByTestId('recovery-codes')).toHaveCount(0);
  await expect(page.getByText('Two-factor authentication is on.')).toBeVisible();

  // Sign out; signing in now asks for the code. A recovery code works once.
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Authentication code').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toHaveText('That code is not valid. Try again.');
  await page.getByLabel('Authentication code').fill(recoveryCode);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Sami S. Secure' })).toBeVisible();

  // Sessions: this device is listed as current.
  await page.goto('/settings/security');
  await expect(page.getByText('This device')).toBeVisible();

  // Audit log: events are listed and can be filtered by action.
  await page.goto('/settings/audit');
  const table = page.getByTestId('audit-table');
  await expect(table).toBeVisible();
  const firstAction = (await table.locator('tbody tr').first().locator('code').textContent())!.trim();
  await page.getByLabel('Action').fill(firstAction);
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(table.locator('tbody tr code').first()).toHaveText(firstAction);
  for (const action of await table.locator('tbody tr code').allTextContents()) expect(action).toBe(firstAction);

  // Password reset through the emailed link.
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByText('If an account exists for that address')).toBeVisible();
  const resetLink = await linkFromOutbox(request, email, '/reset-password');
  await page.goto(resetLink);
  const newPassword = `${PASSWORD}-new`;
  await page.getByLabel('New password').fill(newPassword);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByText('Your password has been changed.')).toBeVisible();
  // The link is single-use.
  await page.goto(resetLink);
  await page.getByLabel('New password').fill(`${newPassword}-again`);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByRole('alert')).toHaveText('This link is invalid, has already been used, or has expired.');

  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(newPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Authentication code').fill(await freshTotp(secret, usedCodes));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Sami S. Secure' })).toBeVisible();

  // Turn two-factor off again.
  await page.goto('/settings/security');
  await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  await page.getByLabel('Password', { exact: true }).fill(newPassword);
  await page.getByLabel('6-digit code').fill(await freshTotp(secret, usedCodes));
  await page.getByRole('button', { name: 'Turn off', exact: true }).click();
  await expect(page.getByText('Two-factor authentication was turned off.')).toBeVisible();
  await expect(page.getByText('Two-factor authentication is off.')).toBeVisible();
});
