import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { MusterError, notFound } from '../../errors.ts';
import { constantTimeEqual, randomSecret } from '../../infra/crypto/index.ts';
import { DnsLookupError, type DnsResolver } from '../../infra/dns/index.ts';
import type { ConnectionDomainRow, Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { forgetOpenedConnection } from './connection-opened.ts';
import { isPublicMailDomain } from './connection-public-domains.ts';

/** An email domain a connection signs people in for, and how its owner proves it. */
export interface ConnectionDomain {
  readonly domain: string;
  readonly verified: boolean;
  readonly verifiedAt: Date | null;
  /** What the org publishes as a TXT record at `_muster-verification.<domain>`. */
  readonly verificationToken: string;
}

export const verificationPrefix = '_muster-verification';
export const maxDomainsPerConnection = 100;

// What the connection_domains check accepts: lowercase LDH labels, at least two.
const hostname = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

export function toConnectionDomain(row: ConnectionDomainRow): ConnectionDomain {
  return {
    domain: row.domain,
    verified: row.verified_at !== null,
    verifiedAt: row.verified_at,
    verificationToken: row.verification_token,
  };
}

/** The name the TXT record goes at. */
export function verificationName(domain: string): string {
  return `${verificationPrefix}.${domain}`;
}

/**
 * A domain as stored: lowercase, IDN as punycode, no trailing dot. Returns
 * the reason it cannot be a connection's domain instead, when it cannot.
 */
export function normalizeDomain(input: string): { domain: string } | { problem: string } {
  const trimmed = input.trim().replace(/\.$/, '');
  if (trimmed.includes('*')) return { problem: 'must be a domain name, not a wildcard' };
  if (isIP(trimmed.replace(/^\[(.*)\]$/, '$1')))
    return { problem: 'must be a domain name, not an IP address' };
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (!ascii || ascii.length > 253 || !hostname.test(ascii) || ascii.split('.').some((l) => l.length > 63))
    return { problem: 'must be a domain name with a dot, such as example.com' };
  // A name ending in a number is an address in disguise (192.168.1.1 as 4 labels) or no real domain.
  if (/^\d+$/.test(ascii.slice(ascii.lastIndexOf('.') + 1)))
    return { problem: 'must be a domain name, not an IP address' };
  return { domain: ascii };
}

/**
 * The domains of a request, normalized: 400 for what is not a domain or is
 * named twice, 422 for public mail domains (no organization owns those).
 */
export function readDomains(inputs: readonly string[], path = 'domains'): string[] {
  const out: string[] = [];
  for (const [i, input] of inputs.entries()) {
    const result = normalizeDomain(input);
    if ('problem' in result)
      throw new MusterError('validation_failed', 'The request body is not valid', {
        details: [{ path: `${path}.${i}`, message: result.problem }],
      });
    if (isPublicMailDomain(result.domain))
      throw new MusterError(
        'unprocessable',
        `${result.domain} is a public mail domain and cannot be claimed`,
        {
          details: [
            { path: `${path}.${i}`, message: 'a public mail domain: anyone can have an address there' },
          ],
        },
      );
    if (out.includes(result.domain))
      throw new MusterError('validation_failed', 'The request body is not valid', {
        details: [{ path: `${path}.${i}`, message: `${result.domain} is listed twice` }],
      });
    out.push(result.domain);
  }
  if (out.length > maxDomainsPerConnection)
    throw new MusterError('validation_failed', 'The request body is not valid', {
      details: [{ path, message: `at most ${maxDomainsPerConnection} domains` }],
    });
  return out;
}

/**
 * Claims domains for a connection in the caller's transaction, in one
 * statement; a domain claimed elsewhere is named in the 409, and the
 * caller's transaction rolls the rest back.
 */
export async function claimDomains(
  trx: Db,
  orgId: string,
  connectionId: string,
  domains: readonly string[],
): Promise<void> {
  const claimed = new Set(
    await store.insertConnectionDomains(
      trx,
      orgId,
      connectionId,
      domains.map((domain) => ({ domain, verification_token: randomSecret(24) })),
    ),
  );
  const taken = domains.find((d) => !claimed.has(d));
  if (taken)
    throw new MusterError(
      'conflict',
      `${taken} already belongs to an SSO connection; a domain can serve one connection of one organization`,
      { details: [{ path: 'domains', message: `${taken} is taken` }] },
    );
}

/** Why a TXT lookup proved nothing, in words an admin can act on. */
function notProven(domain: string, found: readonly string[]): MusterError {
  const name = verificationName(domain);
  const message =
    found.length === 0
      ? `No TXT record found at ${name}`
      : `The TXT records at ${name} do not hold this domain's verification value`;
  return new MusterError('unprocessable', message, {
    details:
      found.length === 0
        ? [{ message: 'found: none' }]
        : found.slice(0, 10).map((value) => ({
            message: `found: ${JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value)}`,
          })),
  });
}

/**
 * Looks up `_muster-verification.<domain>` and marks the domain verified
 * when one of its TXT records holds the domain's token; otherwise a 422 that
 * says what was found. A verified domain stays verified.
 */
export async function verifyConnectionDomain(
  db: Db,
  dns: Pick<DnsResolver, 'resolveTxt'>,
  ctx: ChangeContext,
  connection: { readonly orgId: string; readonly id: string; readonly domains: readonly ConnectionDomain[] },
  domainRef: string,
): Promise<ConnectionDomain> {
  const normalized = normalizeDomain(domainRef);
  const current = connection.domains.find((d) => 'domain' in normalized && d.domain === normalized.domain);
  if (!current) throw notFound('Domain');
  if (current.verified) return current;
  let found: string[];
  try {
    found = await dns.resolveTxt(verificationName(current.domain));
  } catch (error) {
    if (error instanceof DnsLookupError)
      throw new MusterError('unprocessable', `The DNS lookup of ${verificationName(current.domain)} failed`, {
        details: [{ message: `resolver said ${error.code}` }],
        cause: error,
      });
    throw error;
  }
  // Every record is compared, each in constant time, so timing tells nothing of the token.
  const matches = found.map((value) => constantTimeEqual(value.trim(), current.verificationToken));
  if (!matches.includes(true)) throw notProven(current.domain, found);
  const verified = await db.transaction().execute(async (trx) => {
    const row = await store.markConnectionDomainVerified(
      trx,
      connection.orgId,
      connection.id,
      current.domain,
      new Date(),
    );
    if (!row) throw notFound('Domain');
    const verified = toConnectionDomain(row);
    await recordAudit(trx, ctx, connection.orgId, {
      action: 'connection.domain_verified',
      target: { type: 'connection', id: connection.id },
      before: { domain: current.domain, verified: false },
      after: { domain: verified.domain, verified: true, verifiedAt: verified.verifiedAt },
    });
    return verified;
  });
  forgetOpenedConnection(connection.id);
  return verified;
}
