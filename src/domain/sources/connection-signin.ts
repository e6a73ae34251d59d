import type { SecretBox } from '../../infra/crypto/index.ts';
import { isUuid } from '../../infra/ids/index.ts';
import type { ConnectionRow, Db, DirectoryProvider } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { toConnectionDomain } from './connection-domains.ts';
import { openedConnections } from './connection-opened.ts';
import { type KeyPair, openSecrets } from './connection-secrets.ts';
import {
  type AttributeMapping,
  type Connection,
  type ConnectionProtocol,
  type TokenEndpointAuthMethod,
  toConnection,
} from './connection-view.ts';

/** What the sign-in flows need besides the database: the key that opens secrets, and where Muster lives. */
export interface SsoKeys {
  readonly secretBox: SecretBox;
  readonly publicUrl: string;
}

/** The URLs of a connection that IdPs and their admins are given. */
export function connectionUrls(publicUrl: string, connectionId: string) {
  const saml = `${publicUrl}/sso/saml/${connectionId}`;
  return {
    spEntityId: saml,
    acsUrl: `${saml}/acs`,
    sloUrl: `${saml}/slo`,
    spMetadataUrl: `${saml}/metadata`,
    redirectUri: `${publicUrl}/sso/oidc/${connectionId}/callback`,
    clientJwksUri: `${publicUrl}/sso/oidc/${connectionId}/jwks.json`,
  };
}

interface SignInCommon {
  readonly id: string;
  readonly orgId: string;
  readonly provider: DirectoryProvider;
  readonly jit: boolean;
  /** Exact, lowercase: an email must be at one of these. */
  readonly emailDomains: readonly string[];
  /** Which of them the org proved it owns: only those may link to existing accounts. */
  readonly domains: readonly { readonly domain: string; readonly verified: boolean }[];
  readonly attributeMapping?: AttributeMapping | undefined;
  readonly groupsAttribute?: string | undefined;
  readonly clockSkewSeconds: number;
}

/**
 * A SAML connection with its keys opened, shaped as the SAML protocol's
 * `SamlConnection` wants it (and with the domains' verification besides).
 */
export interface SamlSignInConnection extends SignInCommon {
  readonly idp: {
    readonly entityId: string;
    readonly ssoUrl: string;
    /** Where Single Logout messages go; unset when the IdP offers none. */
    readonly sloUrl?: string | undefined;
    readonly certificates: readonly string[];
  };
  readonly sp: {
    readonly entityId: string;
    readonly acsUrl: string;
    readonly sloUrl: string;
    readonly signing: KeyPair;
    readonly encryption: KeyPair;
  };
  readonly nameIdFormat?: string | undefined;
  readonly allowIdpInitiated: boolean;
  readonly allowSha1Signatures: boolean;
  readonly allowUnsignedAssertions: boolean;
}

export interface OidcSignInConnection extends SignInCommon {
  readonly issuer: string;
  readonly clientId: string;
  /** Null only where the auth method needs none (private_key_jwt). */
  readonly clientSecret: string | null;
  /** The key that signs client assertions; null on connections made before it was. */
  readonly clientKey: KeyPair | null;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly scopes: readonly string[] | null;
  readonly redirectUri: string;
}

function common(connection: Connection): SignInCommon {
  return {
    id: connection.id,
    orgId: connection.orgId,
    provider: connection.provider,
    jit: connection.jit,
    emailDomains: connection.domains.map((d) => d.domain),
    domains: connection.domains.map((d) => ({ domain: d.domain, verified: d.verified })),
    attributeMapping:
      Object.keys(connection.attributeMapping).length > 0 ? connection.attributeMapping : undefined,
    groupsAttribute: connection.groupsAttribute ?? undefined,
    clockSkewSeconds: connection.clockSkewSeconds,
  };
}

async function load(db: Db, connectionId: string, protocol: ConnectionProtocol) {
  const row = isUuid(connectionId)
    ? await store.findConnectionById(db, connectionId.toLowerCase())
    : undefined;
  if (!row || row.protocol !== protocol) return undefined;
  const domains = await store.domainsOfConnections(db, row.org_id, [row.id]);
  return { row, connection: toConnection(row, domains.map(toConnectionDomain)) };
}

function samlOf(row: ConnectionRow, connection: Connection, keys: SsoKeys): SamlSignInConnection | undefined {
  const saml = connection.saml;
  const secrets = openSecrets(keys.secretBox, row.id, row.sealed_secrets);
  if (!saml || !secrets.spSigning || !secrets.spEncryption) return undefined;
  const urls = connectionUrls(keys.publicUrl, row.id);
  return {
    ...common(connection),
    idp: {
      entityId: saml.entityId,
      ssoUrl: saml.ssoUrl,
      sloUrl: saml.sloUrl ?? undefined,
      certificates: saml.certificates,
    },
    sp: {
      entityId: urls.spEntityId,
      acsUrl: urls.acsUrl,
      sloUrl: urls.sloUrl,
      signing: secrets.spSigning,
      encryption: secrets.spEncryption,
    },
    nameIdFormat: saml.nameIdFormat ?? undefined,
    allowIdpInitiated: connection.allowIdpInitiated,
    allowSha1Signatures: saml.allowSha1Signatures,
    allowUnsignedAssertions: saml.allowUnsignedAssertions,
  };
}

/**
 * A connection opened for sign-in, from the last second's (per protocol:
 * a cached connection of one protocol never answers for the other) or from
 * the database.
 */
async function opened<T>(
  protocol: ConnectionProtocol,
  connectionId: string,
  keys: SsoKeys,
  open: (id: string) => Promise<T | undefined>,
): Promise<T | undefined> {
  const id = connectionId.toLowerCase();
  const key = `${protocol} ${keys.publicUrl}`;
  const cached = openedConnections.get(id, key);
  if (cached) return cached as T;
  const value = await open(id);
  if (value) openedConnections.set(id, key, value);
  return value;
}

/** A SAML connection by id, ready to sign a request and judge a response; undefined when there is none. */
export function samlConnectionFor(
  db: Db,
  keys: SsoKeys,
  connectionId: string,
): Promise<SamlSignInConnection | undefined> {
  return opened('saml', connectionId, keys, async (id) => {
    const found = await load(db, id, 'saml');
    return found && samlOf(found.row, found.connection, keys);
  });
}

/** An OIDC connection by id with its client secret and key opened; undefined when there is none. */
export function oidcConnectionFor(
  db: Db,
  keys: SsoKeys,
  connectionId: string,
): Promise<OidcSignInConnection | undefined> {
  return opened('oidc', connectionId, keys, async (id) => {
    const found = await load(db, id, 'oidc');
    const oidc = found?.connection.oidc;
    if (!found || !oidc) return undefined;
    const secrets = openSecrets(keys.secretBox, found.row.id, found.row.sealed_secrets);
    return {
      ...common(found.connection),
      ...oidc,
      clientSecret: secrets.clientSecret ?? null,
      clientKey: secrets.clientKey ?? null,
      redirectUri: connectionUrls(keys.publicUrl, found.row.id).redirectUri,
    };
  });
}
