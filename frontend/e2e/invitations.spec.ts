import { expect, test } from '@playwright/test';
import { linkFromOutbox, signUpOwner, uniqueEmail } from './helpers';

test('a signed-in user accepts an invitation and switches between workspaces', async ({ browser, request }) => {
  const stamp = Date.now();
  const alpha = { email: uniqueEmail('alpha'), name: 'Amal Alpha', business: `Alpha Co ${stamp}` };
  const beta = { email: uniqueEmail('beta'), name: 'Badr Beta', business: `Beta Co ${stamp}` };

  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await signUpOwner(owner, alpha);

  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  await signUpOwner(user, beta);

  // Alpha invites Beta's user as an admin.
  await owner.goto('/settings/team');
  const inviteForm = owner.getByRole('form', { name: 'Invite a teammate' });
  await inviteForm.getByLabel('Email').fill(beta.email);
  await inviteForm.getByLabel('Role').selectOption('admin');
  await inviteForm.getByRole('button', { name: 'Send invitation' }).click();
  await expect(owner.getByTestId('invitations-table')).toContainText(beta.email);

  // The invitee, already signed in, accepts from the link.
  const link = await linkFromOutbox(request, beta.email, '/invite');
  await user.goto(link);
  await expect(user.getByTestId('invitation-preview')).toContainText(`You have been invited to join ${alpha.business} as Admin.`);
  await user.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(user.getByRole('heading', { name: `Welcome, ${beta.name}` })).toBeVisible();

  // Now in two workspaces: the switcher shows both, with Alpha selected.
  const switcher = user.getByTestId('workspace-switcher');
  await expect(switcher.locator('option:checked')).toHaveText(`${alpha.business} · Admin`);
  await user.goto('/settings/workspace');
  await expect(user.getByLabel('Business name')).toHaveValue(alpha.business);
  // Admins cannot delete the workspace (owner only).
  await expect(user.getByRole('button', { name: 'Delete this workspace' })).toHaveCount(0);

  await user.getByTestId('workspace-switcher').selectOption({ label: `${beta.business} · Owner` });
  await expect(user.getByRole('heading', { name: `Welcome, ${beta.name}` })).toBeVisible();
  await user.goto('/settings/workspace');
  await expect(user.getByLabel('Business name')).toHaveValue(beta.business);
  await expect(user.getByRole('button', { name: 'Delete this workspace' })).toBeVisible();

  // The owner sees the new admin.
  await owner.reload();
  await expect(owner.getByTestId('members-table')).toContainText(beta.name);

  await ownerContext.close();
  await userContext.close();
});

test('an invalid invitation link shows a localised error', async ({ page }) => {
  await page.goto('/invite?token=not-a-real-token');
  await expect(page.getByRole('alert')).toHaveText('This link is invalid, has already been used, or has expired.');
});
