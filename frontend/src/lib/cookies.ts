export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null;
  const prefix = `${encodeURIComponent(name)}=`;
  for (const part of document.cookie.split(';')) {
    const item = part.trim();
    if (item.startsWith(prefix)) {
      return decodeURIComponent(item.slice(prefix.length));
    }
  }
  return null;
}

export function writeCookie(
  name: string,
  value: string,
  { maxAgeSeconds, sameSite = 'Lax', path = '/' }: { maxAgeSeconds?: number; sameSite?: 'Lax' | 'Strict'; path?: string } = {},
): void {
  let cookie = `${encodeURIComponent(name)}=${encodeURIComponent(value)}; Path=${path}; SameSite=${sameSite}`;
  if (maxAgeSeconds !== undefined) cookie += `; Max-Age=${maxAgeSeconds}`;
  if (typeof location !== 'undefined' && location.protocol === 'https:') cookie += '; Secure';
  document.cookie = cookie;
}
