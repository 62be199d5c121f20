import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';

/** Pages of this SPA that mails link to; their links open here, whatever origin the mail names. */
const APP_PATHS = ['/verify-email', '/reset-password', '/invite'];
const URL_PATTERN = /https?:\/\/[^\s<>"']+/g;

/**
 * Plain text with its URLs made clickable. Links to this app's pages become in-app links relative
 * to this origin (the mail names the configured public URL, which may differ from where the SPA runs
 * in development); other URLs open in a new tab.
 */
export function linkify(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    // Sentence punctuation right after a URL is not part of it.
    const raw = match[0].replace(/[.,;:!?)\]]+$/, '');
    const start = match.index;
    if (start > last) out.push(text.slice(last, start));
    let url: URL | null = null;
    try {
      url = new URL(raw);
    } catch {
      url = null;
    }
    if (url && APP_PATHS.includes(url.pathname)) {
      const to = `${url.pathname}${url.search}${url.hash}`;
      out.push(
        <Link key={start} to={to} dir="ltr" className="outbox-link">
          {to}
        </Link>,
      );
    } else if (url) {
      out.push(
        <a key={start} href={url.href} target="_blank" rel="noopener noreferrer" dir="ltr" className="outbox-link">
          {raw}
        </a>,
      );
    } else {
      out.push(raw);
    }
    last = start + raw.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
