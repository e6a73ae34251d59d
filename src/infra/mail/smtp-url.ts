/** Where SMTP_URL points, with its credentials apart from the rest. */
export interface SmtpEndpoint {
  readonly host: string;
  readonly port: number;
  /** smtps://: TLS from the first byte; smtp://: STARTTLS whenever the server offers it. */
  readonly secure: boolean;
  readonly user: string | undefined;
  readonly pass: string | undefined;
  /** The URL without credentials: what logs may show. */
  readonly target: string;
}

const example = 'smtp://user:pass@mail.example.com:587';

/**
 * Reads `smtp://user:pass@host:port` or `smtps://…`. Returns the problem,
 * as one line that never repeats the URL (it may hold a password), when
 * the URL cannot be used. The port defaults to 587 (submission) for
 * smtp:// and 465 for smtps://.
 */
export function parseSmtpUrl(text: string): SmtpEndpoint | { readonly problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: `must be a URL like ${example}` };
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    return { problem: `must be an smtp:// or smtps:// URL, like ${example}` };
  if (url.hostname === '') return { problem: `must name a host, like ${example}` };
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
    return { problem: `must have no path, query or fragment after host:port, like ${example}` };
  if (url.password !== '' && url.username === '')
    return { problem: `has a password without a user name; write ${example}` };
  let user: string | undefined;
  let pass: string | undefined;
  try {
    user = url.username === '' ? undefined : decodeURIComponent(url.username);
    pass = url.password === '' ? undefined : decodeURIComponent(url.password);
  } catch {
    return { problem: 'has a user name or password that is not valid percent-encoding' };
  }
  const secure = url.protocol === 'smtps:';
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  if (port < 1 || port > 65535) return { problem: 'must have a port between 1 and 65535' };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port, secure, user, pass, target: `${url.protocol}//${url.hostname}:${port}` };
}
