/**
 * The returnTo allow-list: where Muster may send a browser after sign-in or
 * logout. Same-origin paths, PUBLIC_URL itself, and the org's app URLs;
 * nothing else, so Muster is never an open redirect. Every check runs on
 * the WHATWG parse a browser would make of the same text.
 */
export interface ReturnToPolicy {
  /** PUBLIC_URL. */
  readonly publicUrl: string;
  /** The org's app URLs as stored: origins with an optional path prefix. */
  readonly appUrls: readonly string[];
}

const maxLength = 2000;

/**
 * Control characters and backslashes (which browsers drop or read as
 * slashes), and, where `space` is set, white space too.
 */
function hasUnsafeCharacter(value: string, space: boolean): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c || (space && code === 0x20)) return true;
  }
  return false;
}

/**
 * `/%2f%2fevil.com` and the like: a path, decoded up to three times (as
 * layers of routers and frameworks may do), must still be a plain path.
 */
function safePath(pathname: string): boolean {
  let current = pathname;
  for (let i = 0; i < 3; i++) {
    if (current.startsWith('//') || hasUnsafeCharacter(current, false)) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return false;
    }
    if (decoded === current) return true;
    current = decoded;
  }
  return !current.startsWith('//') && !hasUnsafeCharacter(current, false);
}

function parse(value: string, base?: string): URL | undefined {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}

/** Whether `target` is at or below an app URL: same origin, and its path prefix if it has one. */
function withinAppUrl(target: URL, appUrl: string): boolean {
  const app = parse(appUrl);
  if (!app || app.origin !== target.origin) return false;
  const prefix = app.pathname.replace(/\/+$/, '');
  return prefix === '' || target.pathname === prefix || target.pathname.startsWith(`${prefix}/`);
}

/**
 * The URL to send the browser to, or undefined when `value` is not on the
 * allow-list (the caller then falls back to `defaultReturnTo`).
 */
export function safeReturnTo(value: unknown, policy: ReturnToPolicy): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > maxLength) return undefined;
  if (hasUnsafeCharacter(value, true)) return undefined;
  const home = parse(policy.publicUrl);
  if (!home) return undefined;
  if (value.startsWith('/')) {
    // One slash, then a path: `//host` is another host, to a browser.
    if (value.startsWith('//')) return undefined;
    const target = parse(value, home.origin);
    return target && target.origin === home.origin && safePath(target.pathname) ? target.href : undefined;
  }
  // An absolute URL spells out its scheme and both slashes: `https:evil.com` is refused.
  if (!/^https?:\/\//i.test(value)) return undefined;
  const target = parse(value);
  if (!target || target.username || target.password || !safePath(target.pathname)) return undefined;
  if (target.origin === home.origin) return target.href;
  return policy.appUrls.some((appUrl) => withinAppUrl(target, appUrl)) ? target.href : undefined;
}

/** Where a browser goes when no acceptable returnTo was given: the org's first app URL, else PUBLIC_URL. */
export function defaultReturnTo(policy: ReturnToPolicy): string {
  const first = policy.appUrls[0];
  return first ? (parse(first)?.href ?? `${policy.publicUrl}/`) : `${policy.publicUrl}/`;
}

/** The allowed target, or the default page. */
export function returnTarget(value: unknown, policy: ReturnToPolicy): string {
  return safeReturnTo(value, policy) ?? defaultReturnTo(policy);
}
