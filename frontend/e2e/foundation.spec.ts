import { expect, test } from '@playwright/test';
import { acceptCookies, linkFromOutbox, PASSWORD, uniqueEmail } from './helpers';

test.describe.configure({ mode: 'serial' });

test('owner signs up, verifies email, invites a marketer, and manages an API key', async ({ page, browser, request }) => {
  const ownerEmail = uniqueEmail('owner');
  const memberEmail = uniqueEmail('marketer');
  const business = `Acme Trading ${Date.now()}`;

  // --- Sign up as the owner -------------------------------------------------------------
  await page.goto('/signup');
  await acceptCookies(page);
  await page.getByLabel('Full name').fill('Olivia Owner');
  await page.getByLabel('Email').fill(ownerEmail);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Business name').fill(business);
  await page.getByLabel('I confirm that I am 18 years of age or older.').check();
  await page.getByLabel(/I accept the/).check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Olivia Owner' })).toBeVisible();
  await expect(page.getByTestId('workspace-name')).toHaveText(business);
  await expect(page.getByText('Your email address is not verified yet.')).toBeVisible();

  // --- Sign out, sign back in --------------------------------------------------------------
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin/);
  // The session is really gone: a reload does not restore it.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in to QMS' })).toBeVisible();

  await page.getByLabel('Email').fill(ownerEmail);
  await page.getByLabel('Password').fill('wrong-password-123');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or password is incorrect.');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Olivia Owner' })).toBeVisible();

  // A reload restores the session from the refresh cookie.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Welcome, Olivia Owner' })).toBeVisible();

  // --- Verify the email with the link from the outbox -----------------------------------
  const verifyLink = await linkFromOutbox(request, ownerEmail, '/verify-email');
  await page.goto(verifyLink);
  await expect(page.getByText('Your email address is verified.')).toBeVisible();
  await page.getByRole('link', { name: 'Continue to QMS' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Olivia Owner' })).toBeVisible();
  await expect(page.getByText('Your email address is not verified yet.')).toHaveCount(0);

  // --- Invite a marketer ------------------------------------------------------------------
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Team' }).click();
  const inviteForm = page.getByRole('form', { name: 'Invite a teammate' });
  await inviteForm.getByLabel('Email').fill(memberEmail);
  await inviteForm.getByLabel('Role').selectOption('marketer');
  await inviteForm.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText(`Invitation sent to ${memberEmail}.`)).toBeVisible();
  await expect(page.getByTestId('invitations-table')).toContainText(memberEmail);

  // --- The invitee opens the link in a fresh browser, signs up and joins ------------------
  const inviteLink = await linkFromOutbox(request, memberEmail, '/invite');
  const inviteeContext = await browser.newContext();
  const invitee = await inviteeContext.newPage();
  await invitee.goto(inviteLink);
  await acceptCookies(invitee);
  await expect(invitee.getByTestId('invitation-preview')).toContainText(`You have been invited to join ${business} as Marketer.`);
  await invitee.getByRole('link', { name: 'Create an account' }).click();
  await expect(invitee.getByTestId('invitation-preview')).toContainText(`You are joining ${business} as Marketer.`);
  await expect(invitee.getByLabel('Business name')).toHaveCount(0);
  await expect(invitee.getByLabel('Email')).toHaveValue(memberEmail);
  await invitee.getByLabel('Full name').fill('Mona Marketer');
  await invitee.getByLabel('Password').fill(PASSWORD);
  await invitee.getByLabel('I confirm that I am 18 years of age or older.').check();
  await invitee.getByLabel(/I accept the/).check();
  await invitee.getByRole('button', { name: 'Create account' }).click();
  await expect(invitee.getByRole('heading', { name: 'Welcome, Mona Marketer' })).toBeVisible();
  await expect(invitee.getByTestId('workspace-name')).toHaveText(business);
  // A marketer sees no admin-only actions.
  await invitee.goto('/settings/team');
  await expect(invitee.getByRole('form', { name: 'Invite a teammate' })).toHaveCount(0);
  await inviteeContext.close();

  // --- Back as the owner: the member is in the team list ---------------------------------
  await page.reload();
  const members = page.getByTestId('members-table');
  await expect(members).toContainText('Mona Marketer');
  await expect(members.getByRole('row', { name: /Mona Marketer/ }).getByRole('combobox')).toHaveValue('marketer');
  await expect(page.getByTestId('invitations-table').getByRole('row', { name: new RegExp(memberEmail.replace(/[.+]/g, '\\$&')) })).toContainText('Accepted');

  // --- Create an API key, copy it, use it, revoke it ------------------------------------
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'API keys' }).click();
  const createForm = page.getByRole('form', { name: 'Create API key' });
  await createForm.getByLabel('Key name').fill('CRM sync');
  await createForm.getByRole('checkbox', { name: /workspace:read/ }).check();
  const contactsRead = createForm.getByRole('checkbox', { name: /contacts:read/ });
  if ((await contactsRead.count()) > 0 && (await contactsRead.isEnabled())) await contactsRead.check();
  await createForm.getByRole('button', { name: 'Create API key' }).click();

  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('it will not be shown again');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await dialog.getByRole('button', { name: 'Copy' }).click();
  await expect(dialog.getByRole('button', { name: 'Copied!' })).toBeVisible();
  const shown = await dialog.getByTestId('api-key-secret').inputValue();
  const key = await page.evaluate(() => navigator.clipboard.readText());
  expect(key).toBe(shown);
  expect(key).toMatch(/^qms_(live|test)_/);
  await dialog.getByRole('button', { name: 'I have copied the key' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  // The key is not displayed anywhere any more.
  await expect(page.locator('body')).not.toContainText(key);

  const withKey = await request.get('/api/v1/workspace', { headers: { Authorization: `Bearer ${key}` } });
  expect(withKey.status()).toBe(200);
  expect((await withKey.json()).name).toBe(business);

  const row = page.getByTestId('api-keys-table').getByRole('row', { name: /CRM sync/ });
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('Revoked');

  const afterRevoke = await request.get('/api/v1/workspace', { headers: { Authorization: `Bearer ${key}` } });
  expect(afterRevoke.status()).toBe(401);
});

test('switching to Arabic sets dir=rtl and lang=ar', async ({ page }) => {
  await page.goto('/signin');
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
  await page.getByTestId('language-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
  await expect(page.getByRole('heading', { name: 'تسجيل الدخول إلى QMS' })).toBeVisible();
  // The choice survives a reload.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await page.getByTestId('language-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
});

test('cookie banner choice is stored and not asked again', async ({ page, context }) => {
  await page.goto('/privacy');
  const banner = page.getByRole('region', { name: 'Cookies' });
  await expect(banner).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Privacy policy', level: 1 })).toBeVisible();
  await banner.getByRole('button', { name: 'Accept all' }).click();
  await expect(banner).toHaveCount(0);
  const cookie = (await context.cookies()).find((c) => c.name === 'qms_cookie_consent');
  expect(cookie?.value).toBe('all');
  expect(cookie?.sameSite).toBe('Lax');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Privacy policy', level: 1 })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Cookies' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Cookie settings' }).click();
  await expect(page.getByRole('region', { name: 'Cookies' })).toBeVisible();
});
