import type { CustomFetch } from 'openid-client';
import type { DnsResolver } from '../../infra/dns/index.ts';
import { guardedExchange } from '../../infra/fetch/index.ts';

/** How Muster reaches OpenID Providers: through which resolver, and whether loopback issuers are allowed. */
export interface OidcNetwork {
  readonly dns: Pick<DnsResolver, 'lookupHost'>;
  /** ALLOW_INSECURE_LOOPBACK_ISSUERS: http issuers on 127.0.0.1/localhost, for development and tests. */
  readonly allowInsecureLoopback: boolean;
}

/** Discovery documents, JWKS and token answers are a few KiB; the cap is generous. */
const maxBytes = 512 * 1024;
export const oidcTimeoutMs = 10_000;

function bodyOf(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body));
  throw new TypeError('unsupported request body');
}

/**
 * The fetch openid-client makes every request with: an issuer is an org
 * admin's setting, and the discovery document it serves names the other
 * endpoints, so each request goes through the same guards as a metadata
 * URL (https, no private addresses, pinned address, time and size limits).
 */
export function oidcFetch(network: OidcNetwork): CustomFetch {
  return async (url, options) => {
    const headers: Record<string, string> = {};
    new Headers(options.headers as HeadersInit | undefined).forEach((value, name) => {
      headers[name] = value;
    });
    const answer = await guardedExchange(
      url,
      { method: options.method, headers, body: bodyOf(options.body), signal: options.signal },
      {
        lookupHost: (host) => network.dns.lookupHost(host),
        allowLoopback: network.allowInsecureLoopback,
        timeoutMs: oidcTimeoutMs,
        maxBytes,
      },
    );
    const nullBody = answer.status === 204 || answer.status === 304 || options.method === 'HEAD';
    return new Response(nullBody ? null : new Uint8Array(answer.body), {
      status: answer.status,
      headers: answer.headers,
    });
  };
}
