import { useSyncExternalStore } from 'react';
import { readCookie, writeCookie } from './cookies';

export const CONSENT_COOKIE = 'qms_cookie_consent';
export type ConsentChoice = 'essential' | 'all';
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export function readConsent(): ConsentChoice | null {
  const value = readCookie(CONSENT_COOKIE);
  return value === 'essential' || value === 'all' ? value : null;
}

export function storeConsent(choice: ConsentChoice): void {
  writeCookie(CONSENT_COOKIE, choice, { maxAgeSeconds: ONE_YEAR_SECONDS, sameSite: 'Lax' });
  settingsOpen = false;
  notify();
}

// "Cookie settings" in the footer re-opens the banner even when a choice exists.
let settingsOpen = false;
const listeners = new Set<() => void>();
function notify() {
  for (const l of listeners) l();
}

export function openCookieSettings(): void {
  settingsOpen = true;
  notify();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useCookieBannerVisible(): boolean {
  const snapshot = () => settingsOpen || readConsent() === null;
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
