import { expect, test } from '@playwright/test';
import { signUpOwner, uniqueEmail } from './helpers';

// Needs the WhatsApp Cloud API simulator, which `qms.cli e2e-server` starts beside the API.
test('test mode: connect to the simulator, see the numbers, disconnect', async ({ page }) => {
  await signUpOwner(page, { email: uniqueEmail('wa'), name: 'Wafa WhatsApp', business: `Wa Trading ${Date.now()}` });

  // --- Turn on test mode in the workspace settings ---------------------------------------
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Settings' }).click();
  const sections = page.getByRole('navigation', { name: 'Settings sections' });
  await sections.getByRole('link', { name: 'Workspace' }).click();
  const testMode = page.getByRole('switch', { name: 'Test mode' });
  await expect(testMode).not.toBeChecked();
  await expect(page.getByText('nothing reaches real customers')).toBeVisible();
  await testMode.check();
  await expect(page.getByText('Test mode is on.')).toBeVisible();
  await expect(testMode).toBeChecked();

  // --- WhatsApp: one click connects a simulated WhatsApp Business Account ------------------
  await sections.getByRole('link', { name: 'WhatsApp' }).click();
  await expect(page.getByRole('heading', { name: 'WhatsApp connection', level: 1 })).toBeVisible();
  await expect(page.getByRole('form', { name: 'Connect a WhatsApp Business Account' })).toBeVisible();
  await page.getByRole('button', { name: 'Connect to the simulator' }).click();

  const connection = page.getByTestId('whatsapp-connection');
  await expect(connection).toContainText('Active');
  await expect(connection).toContainText('Test');
  await expect(page.getByTestId('token-hint')).toHaveText(/^••••.{4}$/);
  await expect(page.getByText('WhatsApp is connected.')).toBeVisible();

  const rows = page.getByTestId('phone-numbers-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  for (const row of await rows.all()) {
    await expect(row.locator('.badge [data-quality]')).toHaveText(/^(Green|Yellow|Red|Unknown)$/);
  }
  // Fresh figures from the (simulated) Cloud API.
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(rows).toHaveCount(2);
  await expect(rows.first().locator('.badge [data-quality]')).toHaveText(/^(Green|Yellow|Red)$/);

  // The connection survives a reload.
  await page.reload();
  await expect(page.getByTestId('whatsapp-connection')).toContainText('Active');
  await expect(rows).toHaveCount(2);

  // --- Disconnect (after confirming) brings the connect form back -------------------------
  await page.getByRole('button', { name: 'Disconnect' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Disconnect this WhatsApp Business Account?');
  await dialog.getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.getByText('WhatsApp was disconnected.')).toBeVisible();
  await expect(page.getByRole('form', { name: 'Connect a WhatsApp Business Account' })).toBeVisible();
  await expect(page.getByTestId('whatsapp-connection')).toHaveCount(0);
});
