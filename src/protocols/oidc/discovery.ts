import * as client from 'openid-client';
import { FetchRefused } from '../../infra/fetch/index.ts';
import { OidcError } from './errors.ts';
import { type OidcNetwork, oidcFetch, oidcTimeoutMs } from './fetch.ts';

/**
 * An issuer's discovery document, read once an hour per process, with the
 * JWKS openid-client fetched for it. When the IdP cannot be reached at
 * refresh time, the last good document serves for up to a day.
 */
interface Discovered {
  readonly metadata: client.ServerMetadata;
  readonly fetchedAt: number;
  jwks: client.ExportedJWKSCache | undefined;
}

const freshMs = 60 * 60 * 1000;
const staleMs = 24 * 60 * 60 * 1000;
const maxIssuers = 1_000;

export function isLoopbackIssuer(issuer: string): boolean {
  return new URL(issuer).protocol === 'http:';
}

/** Options every request of openid-client to this issuer takes. */
export function requestOptions(network: OidcNetwork, issuer: string) {
  return {
    [client.customFetch]: oidcFetch(network),
    timeout: oidcTimeoutMs / 1000,
    // checkFetchUrl already allowed only loopback hosts over http, and only where the setting says so.
    execute: isLoopbackIssuer(issuer) ? [client.allowInsecureRequests] : [],
  };
}

function unavailable(issuer: string, error: unknown): OidcError {
  const why =
    error instanceof FetchRefused ? error.message : error instanceof Error ? error.message : 'unknown error';
  return new OidcError(
    'oidc_idp_unavailable',
    `The identity provider's configuration at ${issuer} could not be read: ${why}`,
    { cause: error },
  );
}

export class IssuerCache {
  readonly #entries = new Map<string, Discovered>();
  readonly #network: OidcNetwork;

  constructor(network: OidcNetwork) {
    this.#network = network;
  }

  get network(): OidcNetwork {
    return this.#network;
  }

  /** The issuer's metadata; the discovered issuer must be the configured one, so no token of another passes. */
  async discover(issuer: string): Promise<Discovered> {
    const now = Date.now();
    const cached = this.#entries.get(issuer);
    if (cached && now - cached.fetchedAt < freshMs) return cached;
    let metadata: client.ServerMetadata;
    try {
      const config = await client.discovery(
        new URL(issuer),
        'discovery',
        undefined,
        undefined,
        requestOptions(this.#network, issuer),
      );
      metadata = config.serverMetadata();
    } catch (error) {
      if (cached && now - cached.fetchedAt < staleMs) return cached;
      throw unavailable(issuer, error);
    }
    // openid-client lets Entra's multi-tenant "{tenantid}" issuers through; a connection belongs to one tenant.
    if (new URL(metadata.issuer).href !== new URL(issuer).href)
      throw new OidcError(
        'oidc_idp_unavailable',
        `The identity provider calls itself ${metadata.issuer}, not ${issuer}: set the connection's issuer to the tenant's own`,
      );
    const entry: Discovered = { metadata, fetchedAt: now, jwks: cached?.jwks };
    if (this.#entries.size >= maxIssuers) this.#entries.clear();
    this.#entries.set(issuer, entry);
    return entry;
  }
}
