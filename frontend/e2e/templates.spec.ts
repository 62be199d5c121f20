import { expect, test } from '@playwright/test';
import { signUpOwner, uniqueEmail } from './helpers';

// Needs the WhatsApp Cloud API simulator (reviews templates after a delay scaled by
// QMS_SIM_TIME_FACTOR) and the worker, which `qms.cli e2e-server` starts beside the API.
test('templates: build a marketing template with a live preview and inline lint, submit it, see it approved', async ({ page }) => {
  await signUpOwner(page, { email: uniqueEmail('tpl'), name: 'Tala Templates', business: `Tpl Trading ${Date.now()}` });
  const nav = page.getByRole('navigation', { name: 'Main navigation' });

  // --- Test mode on, connect the simulated WhatsApp Business Account ----------------------
  await nav.getByRole('link', { name: 'Settings' }).click();
  const sections = page.getByRole('navigation', { name: 'Settings sections' });
  await sections.getByRole('link', { name: 'Workspace' }).click();
  await page.getByRole('switch', { name: 'Test mode' }).check();
  await expect(page.getByText('Test mode is on.')).toBeVisible();
  await sections.getByRole('link', { name: 'WhatsApp' }).click();
  await page.getByRole('button', { name: 'Connect to the simulator' }).click();
  await expect(page.getByTestId('whatsapp-connection')).toContainText('Active');

  // --- Templates → New -------------------------------------------------------------------
  await nav.getByRole('link', { name: 'Templates' }).click();
  await expect(page.getByRole('heading', { name: 'Message templates', level: 1 })).toBeVisible();
  await page.getByRole('link', { name: 'New template' }).click();
  await expect(page.getByRole('heading', { name: 'New template', level: 1 })).toBeVisible();

  const name = `summer_sale_${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Category').selectOption('MARKETING');

  // An invalid variant: the body ends with a variable → the linter's error at the body field.
  const body = page.getByLabel('Message text');
  await body.fill('Hello {{1}}');
  const trailing = page.getByText('The body ends with a variable');
  await expect(trailing).toBeVisible();
  await expect(body).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Example for {{1}}').fill('Amira');

  // The live preview shows the bubble with the example in place of the variable.
  const bubble = page.getByTestId('wa-bubble');
  await expect(bubble).toContainText('Hello Amira');

  // Fix it: text after the variable, with WhatsApp formatting.
  await body.fill('Hello {{1}}, our *summer sale* starts today with great offers in every store!');
  await page.getByLabel('Footer text').fill('Reply STOP to opt out');
  await expect(trailing).toHaveCount(0);
  await expect(body).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('lint-status')).toHaveText('Ready to submit.');
  await expect(bubble.locator('strong')).toHaveText('summer sale');
  await expect(bubble).toContainText('Hello Amira, our summer sale starts today');
  await expect(bubble).toContainText('Reply STOP to opt out');
  await expect(page.getByTestId('wa-body')).toHaveAttribute('dir', 'ltr');

  // --- Save the draft, then submit: PENDING, then APPROVED once the simulator has reviewed it.
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page).toHaveURL(/\/templates\/[0-9a-f-]{36}$/);
  const status = page.getByTestId('template-status').locator('[data-status]');
  await expect(status).toHaveAttribute('data-status', 'DRAFT');

  await page.getByRole('button', { name: 'Submit for review' }).click();
  await expect(page.getByText('Submitted to Meta for review.')).toBeVisible();
  await expect(status).toHaveAttribute('data-status', 'PENDING');
  // Status updates arrive by webhook (worker); the page polls while PENDING — reload too, to be sure.
  await expect(async () => {
    if ((await status.getAttribute('data-status')) !== 'APPROVED') await page.reload();
    await expect(status).toHaveAttribute('data-status', 'APPROVED', { timeout: 4_000 });
  }).toPass({ timeout: 30_000 });
  await expect(status).toHaveText('Approved');

  // The list shows it with its status badge.
  await page.getByRole('link', { name: 'All templates' }).click();
  const row = page.getByTestId(`template-row-${name}-en`);
  await expect(row).toBeVisible();
  await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'APPROVED');
  await expect(row).toContainText('Marketing');
});
