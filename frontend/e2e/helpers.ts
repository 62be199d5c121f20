import { createHmac } from 'node:crypto';
import { expect, type APIRequestContext, type Page } from '@playwright/test';

export const PASSWORD = 'correct-horse-battery-9';

export function uniqueEmail(label: string): string {
  return `${label}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;
}

type OutboxEmail = { id: string; to: string; subject: string; body: string | null; created_at: string };

/** Wait for an email to `to` in the dev outbox whose body has a link to `path`; return that link's path+query. */
export async function linkFromOutbox(request: APIRequestContext, to: string, path: string): Promise<string> {
  let found: string | null = null;
  await expect
    .poll(
      async () => {
        const response = await request.get('/api/v1/dev/outbox');
        expect(response.status()).toBe(200);
        const { items } = (await response.json()) as { items: OutboxEmail[] };
        const pattern = new RegExp(`https?://[^\\s]+(${path.replace('/', '\\/')}\\?token=[A-Za-z0-9_\\-]+)`);
        for (const email of items.filter((e) => e.to.toLowerCase() === to.toLowerCase()).reverse()) {
          const match = email.body ? pattern.exec(email.body) : null;
          if (match) {
            found = match[1];
            return true;
          }
        }
        return false;
      },
      { timeout: 15_000, message: `email to ${to} with a ${path} link` },
    )
    .toBe(true);
  return found!;
}

/** Dismiss the cookie banner if it is showing. */
export async function acceptCookies(page: Page): Promise<void> {
  const banner = page.getByRole('region', { name: 'Cookies' });
  if (await banner.isVisible()) await banner.getByRole('button', { name: 'Essential only' }).click();
}

/** Sign up a new owner with their own workspace through the UI. */
export async function signUpOwner(page: Page, { email, name, business }: { email: string; name: string; business: string }) {
  await page.goto('/signup');
  await acceptCookies(page);
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Business name').fill(business);
  await page.getByLabel('I confirm that I am 18 years of age or older.').check();
  await page.getByLabel(/I accept the/).check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${name}` })).toBeVisible();
}

function base32Decode(input: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = input.replace(/=+$/, '').replace(/\s+/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`bad base32 character ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as authenticator apps compute it. */
export function totp(secret: string, at = Date.now()): string {
  const counter = Math.floor(at / 1000 / 30);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const hmac = createHmac('sha1', base32Decode(secret)).update(message).digest();
  const offset = hmac[hmac.length - 1]! & 0xf;
  const code = (hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, '0');
}

/**
 * A TOTP code not used before that stays valid for the next 30 s: the API accepts the previous,
 * current and next 30-second step, each code once. The previous step's code is never offered: the
 * clock may pass a step boundary before the server checks it. When the current and next steps'
 * codes are both spent, wait for the next step.
 */
export async function freshTotp(secret: string, used: Set<string>): Promise<string> {
  for (;;) {
    for (const offset of [0, 30_000]) {
      const code = totp(secret, Date.now() + offset);
      if (!used.has(code)) {
        used.add(code);
        return code;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 50));
  }
}
