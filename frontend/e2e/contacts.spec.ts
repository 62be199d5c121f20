import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { signUpOwner, uniqueEmail } from './helpers';

// Sudanese mobile numbers; the workspace's default country (SD) makes the local forms valid.
const CSV = [
  'phone,name,city,consent',
  '0911000001,Amna One,Khartoum,yes',
  '0911000002,Bashir Two,Omdurman,yes',
  '0911000003,Camal Three,Bahri,no',
  '12,Bad Phone,Nowhere,yes',
  '+249911000005,Dina Five,Kassala,yes',
].join('\n');

test('contacts: create, consent ledger, import with an error report, lists, suppression, hosted opt-in', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const business = `Contacts Trading ${Date.now()}`;
  await signUpOwner(page, { email: uniqueEmail('contacts'), name: 'Cora Contacts', business });
  const mainNav = page.getByRole('navigation', { name: 'Main navigation' });
  const sections = page.getByRole('navigation', { name: 'Contacts sections' });

  // --- Default country, so that local numbers can be read -----------------------------------
  await mainNav.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Workspace' }).click();
  await page.getByLabel('Default country (ISO code)').fill('SD');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();

  // --- Create a contact with a local number, open it ------------------------------------------
  await mainNav.getByRole('link', { name: 'Contacts' }).click();
  await expect(page.getByRole('heading', { name: 'Contacts', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'New contact' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Phone number').fill('0912345670');
  await dialog.getByLabel('Name').fill('Khalid Local');
  await dialog.getByLabel('Tags').fill('walk-in, vip');
  await dialog.getByRole('button', { name: 'Create contact' }).click();
  await expect(page.getByText('Contact created.')).toBeVisible();
  await page.getByRole('link', { name: 'Open Khalid Local' }).click();
  await expect(page.getByRole('heading', { name: 'Khalid Local', level: 1 })).toBeVisible();
  // Normalised to E.164 with the default country.
  await expect(page.getByText('+249912345670').first()).toBeVisible();
  await expect(page.getByTestId('consent-status')).toContainText('No consent');
  await expect(page.getByTestId('chain-status')).toHaveAttribute('data-valid', 'true');

  // --- Record consent; the timeline shows it and the chain verifies ------------------------
  const record = page.getByRole('form', { name: 'Record consent' });
  await record.getByLabel('Status').selectOption('opted_in');
  await record.getByLabel('Purpose').selectOption('marketing');
  await record.getByLabel('Evidence').fill('Agreed by phone on 28 Nov to receive WhatsApp offers (call ref 5521).');
  await record.getByRole('button', { name: 'Record' }).click();
  await expect(page.getByText('Consent recorded.')).toBeVisible();
  const timeline = page.getByTestId('consent-timeline');
  await expect(timeline.getByRole('listitem')).toHaveCount(1);
  await expect(timeline.getByRole('listitem').first()).toContainText('Opted in');
  await expect(timeline.getByRole('listitem').first()).toContainText('Agreed by phone on 28 Nov');
  await expect(timeline.getByRole('listitem').first()).toContainText('Cora Contacts');
  await expect(page.getByTestId('chain-status')).toHaveText('✓ Chain verified: 1 event, none altered.');
  await expect(page.getByTestId('consent-status')).toContainText('Opted in');

  // --- Import a small CSV through the wizard --------------------------------------------------
  const dir = mkdtempSync(join(tmpdir(), 'qms-e2e-contacts-'));
  const csvPath = join(dir, 'customers.csv');
  writeFileSync(csvPath, CSV, 'utf-8');

  await page.getByRole('link', { name: 'All contacts' }).click();
  await page.getByRole('link', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Import contacts', level: 1 })).toBeVisible();
  await page.getByLabel('File', { exact: true }).setInputFiles(csvPath);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();

  const mapping = page.getByRole('form', { name: 'Map columns' });
  await expect(mapping).toBeVisible();
  await expect(page.getByTestId('import-preview')).toContainText('Amna One');
  await expect(page.getByTestId('import-encoding')).toContainText('UTF-8');
  await expect(mapping.getByLabel(/^Phone number/)).toHaveValue('phone');
  await expect(mapping.getByLabel('Name')).toHaveValue('name');
  await mapping.getByRole('button', { name: 'Continue' }).click();

  const consent = page.getByRole('form', { name: 'Consent evidence' });
  await expect(consent.getByLabel(/A column of the file says it/)).toBeChecked();
  await expect(consent.getByLabel('Consent column')).toHaveValue('consent');
  await consent.getByLabel('Evidence (what they were shown when they opted in)').fill('Paper sign-up form at the shop: “Send me offers on WhatsApp”.');
  await consent.getByRole('button', { name: 'Start import' }).click();

  await expect(page.getByRole('heading', { name: 'Import completed' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('import-created').locator('dd')).toHaveText('4');
  await expect(page.getByTestId('import-errors').locator('dd')).toHaveText('1');
  await expect(page.getByRole('progressbar', { name: 'Import progress' })).toBeVisible();

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download error report' }).click();
  const report = await downloading;
  expect(report.suggestedFilename()).toMatch(/\.csv$/);
  // `line,reason,value`, the header being line 1: the bad number is on line 5.
  const reportLines = readFileSync(await report.path(), 'utf-8').trim().split(/\r?\n/);
  expect(reportLines[0]).toBe('line,reason,value');
  expect(reportLines).toHaveLength(2);
  expect(reportLines[1]).toMatch(/^5,.*,12$/);

  // --- The contacts list shows the imported ones ----------------------------------------------
  await page.getByRole('link', { name: 'View contacts' }).click();
  const table = page.getByTestId('contacts-table');
  for (const name of ['Amna One', 'Bashir Two', 'Camal Three', 'Dina Five', 'Khalid Local']) {
    await expect(table.getByRole('link', { name })).toBeVisible();
  }
  await expect(table.getByRole('link', { name: 'Bad Phone' })).toHaveCount(0);
  await expect(table.locator('tbody tr').filter({ hasText: 'Amna One' })).toContainText('Opted in');
  await expect(table.locator('tbody tr').filter({ hasText: 'Camal Three' })).toContainText('Opted out');

  // --- Add two of them to a new list with a bulk action ---------------------------------------
  await sections.getByRole('link', { name: 'Lists' }).click();
  const newList = page.getByRole('form', { name: 'New list' });
  await newList.getByLabel('Name').fill('Shop customers');
  await newList.getByRole('button', { name: 'Create list' }).click();
  await expect(page.getByTestId('lists-table')).toContainText('Shop customers');

  await sections.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('checkbox', { name: 'Select Amna One' }).check();
  await page.getByRole('checkbox', { name: 'Select Dina Five' }).check();
  const bulk = page.getByRole('form', { name: 'Bulk actions' });
  await expect(bulk.getByTestId('bulk-count')).toHaveText('2 selected');
  await bulk.getByLabel('Action').selectOption('add_to_list');
  await bulk.getByLabel('List').selectOption({ label: 'Shop customers' });
  await bulk.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByText('Done: 2 contacts affected.')).toBeVisible();

  await sections.getByRole('link', { name: 'Lists' }).click();
  const listRow = page.getByTestId('lists-table').locator('tbody tr').filter({ hasText: 'Shop customers' });
  await expect(listRow.getByTestId('list-members')).toHaveText('2');
  await listRow.getByRole('link', { name: 'Shop customers' }).click();
  await expect(page).toHaveURL(/\/contacts\?list_id=/);
  await expect(table.locator('tbody tr')).toHaveCount(2);

  // --- Suppress a number; "Remove" is refused with the explanation -------------------------
  await sections.getByRole('link', { name: 'Suppression list' }).click();
  const suppress = page.getByRole('form', { name: 'Suppress a number' });
  await suppress.getByLabel('Phone number').fill('0911000009');
  await suppress.getByLabel('Purpose').selectOption('marketing');
  await suppress.getByLabel(/Reason/).fill('Called the shop to opt out');
  await suppress.getByRole('button', { name: 'Suppress' }).click();
  // The masked number is isolated (left-to-right) inside the sentence.
  await expect(page.getByText('\u2068••••0009\u2069 is suppressed.')).toBeVisible();
  const suppressed = page.getByTestId('suppressions-table').locator('tbody tr').filter({ hasText: '••••0009' });
  await expect(suppressed).toContainText('Called the shop to opt out');
  await suppressed.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByText('This suppression cannot be removed.')).toBeVisible();
  await expect(page.getByText('Only their own new opt-in from this number (replying START on WhatsApp')).toBeVisible();
  await expect(suppressed).toBeVisible();

  // --- The hosted opt-in page, in a fresh (signed-out) browser context -------------------------
  await sections.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('button', { name: 'Share your opt-in page' }).click();
  const optInLink = await page.getByTestId('optin-link').inputValue();
  expect(optInLink).toMatch(/\/optin\/[a-z0-9-]+$/);
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

  const visitor = await browser.newContext();
  const publicPage = await visitor.newPage();
  await publicPage.goto(optInLink);
  await expect(publicPage.getByTestId('optin-workspace')).toHaveText(business);
  await expect(publicPage.getByTestId('optin-notice')).toContainText(`from ${business}`);
  await publicPage.getByLabel('WhatsApp number').fill('0911000010');
  await publicPage.getByLabel(/Your name/).fill('Public Person');
  await publicPage.getByRole('button', { name: 'Subscribe' }).click();
  await expect(publicPage.getByTestId('optin-result')).toHaveAttribute('data-status', 'opted_in');
  await expect(publicPage.getByText('You are subscribed.', { exact: true })).toBeVisible();
  // The page works in Arabic too.
  await publicPage.goto(`${optInLink}?lang=ar`);
  await expect(publicPage.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(publicPage.getByRole('button', { name: 'اشترك' })).toBeVisible();
  await visitor.close();

  // --- The contact appears, opted in, with the form as the source of its consent -------------
  await page.getByLabel('Search').fill('Public Person');
  const publicRow = table.locator('tbody tr').filter({ hasText: 'Public Person' });
  await expect(publicRow).toContainText('Opted in');
  await publicRow.getByRole('link', { name: 'Public Person' }).click();
  await expect(page.getByTestId('consent-status')).toContainText('Opted in');
  const event = page.getByTestId('consent-timeline').getByRole('listitem').first();
  await expect(event).toContainText('Opt-in form');
  await expect(event).toContainText('The person');
  await expect(event).toContainText(`from ${business}`);
  await expect(page.getByTestId('chain-status')).toHaveAttribute('data-valid', 'true');

  // --- A small screen: nothing is cut off past the edge ----------------------------------------
  await page.setViewportSize({ width: 390, height: 844 });
  const inView = async (locator: ReturnType<typeof page.getByRole>) => {
    await expect(locator).toBeVisible();
    const box = await locator.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  };
  await page.getByRole('link', { name: /All contacts/ }).click();
  await expect(table).toBeVisible();
  await inView(table.getByRole('columnheader', { name: 'Marketing' }));
  await inView(sections.getByRole('link', { name: 'Custom fields' }));
  await sections.getByRole('link', { name: 'Lists' }).click();
  await inView(page.getByTestId('lists-table').getByRole('button', { name: 'Delete' }).first());

  // --- A contact that does not exist, or an id that is not one --------------------------------
  await page.goto('/contacts/abc');
  await expect(page.getByRole('heading', { name: 'Contact not found', level: 1 })).toBeVisible();
  await page.getByRole('link', { name: /All contacts/ }).click();
  await expect(page).toHaveURL(/\/contacts$/);
});
