import { MusterError } from '../../errors.ts';

/**
 * Where an org's application lives: after sign-in and logout Muster may
 * send people there (returnTo), and nowhere else outside PUBLIC_URL. Each is
 * an origin with an optional path prefix, stored normalised (lowercase
 * host, punycode, no default port, no trailing slash).
 */
export const maxAppUrls = 20;
const maxAppUrlLength = 2000;
const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

export type AppUrlCheck = { readonly url: string } | { readonly problem: string };

export function checkAppUrl(value: string): AppUrlCheck {
  if (value.length > maxAppUrlLength) return { problem: `must be at most ${maxAppUrlLength} characters` };
  // The scheme must be spelled out with its slashes: `https:app.example.com` is a typo, not a URL.
  if (!/^https?:\/\/[^/\\]/i.test(value) || [...value].some((c) => c <= ' ' || c === '\u007f' || c === '\\'))
    return { problem: 'must be an absolute URL such as https://app.example.com' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'must be an absolute URL such as https://app.example.com' };
  }
  if (url.username || url.password) return { problem: 'must not hold a user name or password' };
  if (url.search || url.hash || value.includes('?') || value.includes('#'))
    return { problem: 'must be an origin with an optional path, without a query or fragment' };
  if (url.protocol === 'http:' && !loopbackHosts.has(url.hostname))
    return { problem: 'must use https (http only for localhost and 127.0.0.1)' };
  const path = url.pathname.replace(/\/+$/, '');
  return { url: `${url.origin}${path}` };
}

/** The app URLs normalised and without repeats, or a validation error naming each bad one. */
export function normalizeAppUrls(values: readonly string[]): string[] {
  const details = values.flatMap((value, i) => {
    const check = checkAppUrl(value);
    return 'problem' in check ? [{ path: `appUrls.${i}`, message: check.problem }] : [];
  });
  if (values.length > maxAppUrls) details.push({ path: 'appUrls', message: `at most ${maxAppUrls}` });
  if (details.length > 0)
    throw new MusterError('validation_failed', 'The app URLs are not valid', { details });
  return [...new Set(values.map((value) => (checkAppUrl(value) as { url: string }).url))];
}
