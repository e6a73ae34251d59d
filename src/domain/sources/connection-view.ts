import type { ConnectionProtocol, ConnectionRow, DirectoryProvider } from '../../storage/index.ts';
import { type CertificateSummary, summarizeCertificate } from './connection-certificates.ts';
import type { ConnectionDomain } from './connection-domains.ts';

export type { ConnectionProtocol };

/** Attribute (SAML) or claim (OIDC) names read instead of the provider preset's. */
export interface AttributeMapping {
  readonly email?: string | undefined;
  readonly firstName?: string | undefined;
  readonly lastName?: string | undefined;
  readonly displayName?: string | undefined;
}

export const attributeMappingKeys = ['email', 'firstName', 'lastName', 'displayName'] as const;

/** The IdP of a SAML connection, from its metadata or entered by hand. */
export interface SamlIdp {
  readonly entityId: string;
  readonly ssoUrl: string;
  readonly sloUrl: string | null;
  /** PEM; any one may sign, so an IdP can roll over to a new one. */
  readonly certificates: readonly string[];
}

/** Relaxations of the SAML defaults, each off unless set. */
export interface SamlOptions {
  readonly allowSha1Signatures: boolean;
  readonly allowUnsignedAssertions: boolean;
  /** The NameID format requested, instead of the preset's. */
  readonly nameIdFormat: string | null;
}

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export const tokenEndpointAuthMethods: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
];

export interface OidcClient {
  readonly issuer: string;
  readonly clientId: string;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Replace the provider preset's scopes; null for the preset's. */
  readonly scopes: readonly string[] | null;
  /**
   * The certificate of the connection's client key (private_key_jwt), PEM:
   * public, for IdPs that take an uploaded certificate. Its key is sealed.
   */
  readonly clientCertificate: string | null;
}

export const defaultClockSkewSeconds = 60;

/** An SSO connection as the domain knows it: everything but its secrets. */
export interface Connection {
  readonly id: string;
  readonly orgId: string;
  readonly protocol: ConnectionProtocol;
  readonly provider: DirectoryProvider;
  readonly name: string;
  readonly jit: boolean;
  readonly allowIdpInitiated: boolean;
  readonly attributeMapping: AttributeMapping;
  readonly groupsAttribute: string | null;
  /** How far the IdP's clock may be from Muster's. */
  readonly clockSkewSeconds: number;
  readonly saml: (SamlIdp & SamlOptions) | null;
  readonly oidc: OidcClient | null;
  readonly metadata: {
    readonly url: string | null;
    readonly fetchedAt: Date | null;
    readonly error: string | null;
  };
  readonly health: Readonly<Record<string, unknown>>;
  readonly domains: readonly ConnectionDomain[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function readMapping(value: Record<string, unknown>): AttributeMapping {
  const out: Record<string, string> = {};
  for (const key of attributeMappingKeys) {
    const name = text(value[key]);
    if (name) out[key] = name;
  }
  return out;
}

export function toConnection(row: ConnectionRow, domains: readonly ConnectionDomain[]): Connection {
  const s = row.settings;
  const skew = typeof s.clockSkewSeconds === 'number' ? s.clockSkewSeconds : defaultClockSkewSeconds;
  return {
    id: row.id,
    orgId: row.org_id,
    protocol: row.protocol,
    provider: row.provider,
    name: row.name,
    jit: row.jit,
    allowIdpInitiated: row.allow_idp_initiated,
    attributeMapping: readMapping(row.attribute_mapping),
    groupsAttribute: row.groups_attribute,
    clockSkewSeconds: skew,
    saml:
      row.protocol === 'saml'
        ? {
            entityId: text(s.entityId) ?? '',
            ssoUrl: text(s.ssoUrl) ?? '',
            sloUrl: text(s.sloUrl),
            certificates: Array.isArray(s.certificates)
              ? s.certificates.filter((c) => typeof c === 'string')
              : [],
            allowSha1Signatures: s.allowSha1Signatures === true,
            allowUnsignedAssertions: s.allowUnsignedAssertions === true,
            nameIdFormat: text(s.nameIdFormat),
          }
        : null,
    oidc:
      row.protocol === 'oidc'
        ? {
            issuer: text(s.issuer) ?? '',
            clientId: text(s.clientId) ?? '',
            tokenEndpointAuthMethod: (tokenEndpointAuthMethods as readonly unknown[]).includes(
              s.tokenEndpointAuthMethod,
            )
              ? (s.tokenEndpointAuthMethod as TokenEndpointAuthMethod)
              : 'client_secret_basic',
            scopes: Array.isArray(s.scopes) ? s.scopes.filter((v) => typeof v === 'string') : null,
            clientCertificate: text(s.clientCertificate),
          }
        : null,
    metadata: { url: row.metadata_url, fetchedAt: row.metadata_fetched_at, error: row.metadata_error },
    health: row.health,
    domains,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The settings column of a connection: the protocol's settings, never a secret. */
export function settingsOf(connection: Pick<Connection, 'saml' | 'oidc' | 'clockSkewSeconds'>): string {
  return JSON.stringify({
    ...(connection.saml ?? {}),
    ...(connection.oidc ?? {}),
    clockSkewSeconds: connection.clockSkewSeconds,
  });
}

/** What an audit event records of a connection: certificates by fingerprint, no tokens, no secrets. */
export function auditSnapshot(connection: Connection) {
  const { domains, saml, oidc, ...rest } = connection;
  return {
    ...rest,
    saml: saml ? { ...saml, certificates: saml.certificates.map(summarizeCertificate) } : null,
    oidc: oidc
      ? {
          ...oidc,
          clientCertificate: oidc.clientCertificate ? summarizeCertificate(oidc.clientCertificate) : null,
        }
      : null,
    domains: domains.map((d) => ({ domain: d.domain, verified: d.verified })),
  };
}

export function certificateSummaries(connection: Connection): CertificateSummary[] {
  return (connection.saml?.certificates ?? []).map(summarizeCertificate);
}
