import { expect, test } from '@playwright/test';
import { signUpOwner, uniqueEmail } from './helpers';

test('the dev outbox lists the verification mail after sign-up, and its link verifies the email', async ({ page }) => {
  const email = uniqueEmail('outbox');
  await signUpOwner(page, { email, name: 'Omar Outbox', business: `Outbox Co ${Date.now()}` });
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin/);

  // Outside production the sign-in page links to the outbox.
  await page.getByRole('link', { name: 'Development mails (dev outbox)' }).click();
  await expect(page).toHaveURL(/\/dev\/outbox$/);
  await expect(page.getByRole('heading', { name: 'Dev outbox' })).toBeVisible();
  await expect(page.getByText('Development only: in production mails are sent by SMTP.')).toBeVisible();

  const mail = page.getByTestId('outbox-mail').filter({ hasText: email });
  await expect(mail).toHaveCount(1);
  await expect(mail).toContainText('Confirm your email address for QMS');
  // Newest first: this test's mail was sent last.
  await expect(page.getByTestId('outbox-mail').first()).toContainText(email);

  const link = mail.getByRole('link', { name: /^\/verify-email\?token=/ });
  await expect(link).toHaveAttribute('href', /^\/verify-email\?token=[A-Za-z0-9_-]+$/);
  await link.click();
  await expect(page.getByText('Your email address is verified.')).toBeVisible();
});
