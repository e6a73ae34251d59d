import { z } from 'zod';
import {
  type Connection,
  type ConnectionDomain,
  certificateStatuses,
  certificateSummaries,
  connectionUrls,
  directoryProviders,
  tokenEndpointAuthMethods,
  verificationName,
} from '../../domain/sources/index.ts';
import { nameIdFormats } from '../saml/index.ts';
import { id, isoDate, singleLine } from './schemas.ts';

/** Request and response shapes of /orgs/{org}/connections. */

export const provider = z.enum(directoryProviders as [string, ...string[]]).meta({
  description: 'The IdP product: picks the attribute (SAML) or claim (OIDC) names read by default',
});

const attributeName = singleLine(400, 1);

export const attributeMapping = z
  .strictObject({
    email: attributeName.optional(),
    firstName: attributeName.optional(),
    lastName: attributeName.optional(),
    displayName: attributeName.optional(),
  })
  .meta({
    description: "Attribute or claim names read instead of the provider's; replaces the whole mapping",
  });

const url = z.string().max(2000, 'must be at most 2000 characters');
const domainList = z
  .array(z.string().max(300, 'must be at most 300 characters'))
  .min(1, 'give at least one domain')
  .max(100, 'at most 100 domains')
  .meta({
    description:
      'Email domains the connection signs people in for (IDN allowed; public mail domains are refused). ' +
      'A domain belongs to one connection of one organization.',
  });

export const samlInput = z
  .strictObject({
    metadataXml: z
      .string()
      .max(1024 * 1024)
      .optional()
      .meta({ description: "The IdP's metadata document" }),
    metadataUrl: url.optional().meta({
      description: 'Where the IdP publishes its metadata (https): read now and re-read daily',
    }),
    entityId: singleLine(1000, 1).optional(),
    ssoUrl: url.optional().meta({ description: 'The IdP endpoint AuthnRequests go to (HTTP-Redirect)' }),
    sloUrl: url.nullable().optional(),
    certificates: z
      .array(z.string().max(20_000))
      .min(1)
      .max(10)
      .optional()
      .meta({ description: 'PEM or base64 signing certificates; any one may sign (rollover)' }),
  })
  .meta({
    description:
      'One of: {metadataXml}, {metadataUrl}, or {entityId, ssoUrl, sloUrl?, certificates}. In a PATCH the ' +
      'last form may be partial; it ends any metadata URL.',
  });

const nameIdFormat = z.enum(Object.values(nameIdFormats) as [string, ...string[]]);

const common = {
  provider,
  name: singleLine(200).optional(),
  domains: domainList,
  jit: z
    .boolean()
    .optional()
    .meta({ description: 'Whether a first sign-in creates the user (default true)' }),
  attributeMapping: attributeMapping.optional(),
  groupsAttribute: attributeName.nullable().optional().meta({
    description: "The attribute or claim whose values are the person's groups, instead of the provider's",
  }),
  clockSkewSeconds: z.number().int().min(0).max(600).optional().meta({
    description: "How far the IdP's clock may be from Muster's, 0 to 600 seconds (default 60)",
  }),
};

const samlRelaxations = {
  allowIdpInitiated: z.boolean().optional().meta({
    description:
      'Accept sign-ins no AuthnRequest asked for (default false); replayed assertions are still refused',
  }),
  allowSha1Signatures: z.boolean().optional().meta({
    description:
      'Accept RSA-SHA1 signatures and SHA-1 digests, for IdPs that cannot do better (default false)',
  }),
  allowUnsignedAssertions: z.boolean().optional().meta({
    description: 'Accept an unsigned assertion inside a signed response (default false)',
  }),
  nameIdFormat: nameIdFormat.nullable().optional().meta({
    description: "The NameID format requested, instead of the provider's",
  }),
};

export const oidcInput = z.strictObject({
  issuer: url.meta({ description: 'The OpenID Provider issuer URL (https)' }),
  clientId: singleLine(400, 1),
  clientSecret: z.string().min(1).max(2000).optional().meta({
    description:
      'Stored encrypted, never shown again; required unless tokenEndpointAuthMethod is private_key_jwt',
  }),
  tokenEndpointAuthMethod: z.enum(tokenEndpointAuthMethods as [string, ...string[]]).optional(),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, 'is not a scope token (RFC 6749 §3.3)'))
    .min(1)
    .max(30)
    .refine((scopes) => scopes.includes('openid'), 'must include openid')
    .optional()
    .meta({ description: "The scopes asked for, replacing the provider's preset" }),
});

export const createBody = z.discriminatedUnion('protocol', [
  z.strictObject({ protocol: z.literal('saml'), ...common, saml: samlInput, ...samlRelaxations }),
  z.strictObject({ protocol: z.literal('oidc'), ...common, oidc: oidcInput }),
]);

export const patchBody = z.strictObject({
  ...common,
  provider: provider.optional(),
  domains: domainList.optional().meta({
    description: 'The whole new list: domains kept keep their verification, new ones start unverified',
  }),
  saml: samlInput.optional(),
  ...samlRelaxations,
  oidc: oidcInput.partial().optional(),
});

export const domainSchema = z
  .object({
    domain: z.string(),
    verified: z.boolean(),
    verifiedAt: isoDate.nullable(),
    verification: z.object({
      name: z.string().meta({ description: '_muster-verification.<domain>' }),
      type: z.literal('TXT'),
      value: z.string().meta({ description: 'Publish this as the TXT record, then call verify' }),
    }),
  })
  .meta({ id: 'ConnectionDomain' });

const healthFlag = z.looseObject({
  at: z.string().meta({ description: 'When it was last seen (ISO 8601)' }),
});

const expiringFlag = z.looseObject({
  kind: z.string().meta({ description: '`idp_signing` or `client`' }),
  notAfter: z.string(),
  warnedAt: z.string().meta({ description: 'When the `certificate.expiring` event was sent' }),
});

/** Flags the sign-in flows and the certificate watch set; each stays until replaced. */
const healthSchema = z
  .looseObject({
    groupsTruncated: healthFlag
      .extend({ loginId: z.string().optional(), userId: z.string().optional() })
      .optional()
      .meta({
        description:
          "A sign-in whose group claims the IdP cut short (too many groups), and no SCIM directory's groups to stand in",
      }),
    idpUnavailable: healthFlag.extend({ message: z.string().optional() }).optional().meta({
      description: "The IdP's discovery document or keys could not be read at a sign-in",
    }),
    certificatesExpiring: z.record(z.string(), expiringFlag).optional().meta({
      description:
        'Certificates within 30 days of their end (or past it) that were announced, by SHA-256 fingerprint',
    }),
  })
  .meta({
    id: 'ConnectionHealth',
    description: 'Conditions an admin should know of; other keys may appear and are shown as they are',
  });

const certificateStatusSchema = z
  .object({
    kind: z.enum(['idp_signing', 'client']),
    fingerprint: z.string().meta({ description: 'SHA-256 of the DER, colon-separated hex' }),
    notAfter: isoDate,
    daysLeft: z
      .number()
      .int()
      .meta({ description: 'Whole days until notAfter; negative once it has passed' }),
    expiring: z.boolean().meta({ description: 'Still valid, but ends within 30 days' }),
    expired: z.boolean(),
  })
  .meta({ id: 'ConnectionCertificate' });

export const connectionSchema = z
  .object({
    id,
    protocol: z.enum(['saml', 'oidc']),
    provider: z.string(),
    name: z.string(),
    domains: z.array(domainSchema),
    spEntityId: z.string().nullable().meta({ description: 'SAML: the SP entity id (Audience)' }),
    acsUrl: z.string().nullable().meta({ description: 'SAML: the assertion consumer service (HTTP-POST)' }),
    spMetadataUrl: z.string().nullable().meta({ description: 'SAML: SP metadata for the IdP to import' }),
    redirectUri: z.string().nullable().meta({ description: 'OIDC: the redirect URI to register' }),
    jit: z.boolean(),
    allowIdpInitiated: z.boolean(),
    attributeMapping: z.object({
      email: z.string().optional(),
      firstName: z.string().optional(),
      lastName: z.string().optional(),
      displayName: z.string().optional(),
    }),
    groupsAttribute: z.string().nullable(),
    clockSkewSeconds: z.number().int(),
    saml: z
      .object({
        entityId: z.string(),
        ssoUrl: z.string(),
        sloUrl: z.string().nullable(),
        certificates: z.array(z.object({ fingerprint: z.string(), notAfter: isoDate })),
        allowSha1Signatures: z.boolean(),
        allowUnsignedAssertions: z.boolean(),
        nameIdFormat: z.string().nullable(),
      })
      .optional(),
    oidc: z
      .object({
        issuer: z.string(),
        clientId: z.string(),
        tokenEndpointAuthMethod: z.string(),
        scopes: z.array(z.string()).nullable().meta({ description: "Null: the provider preset's" }),
        jwksUri: z.string().meta({
          description: "private_key_jwt: where IdPs fetch the connection's client key (JWK Set)",
        }),
        clientCertificate: z.string().nullable().meta({
          description: 'private_key_jwt: the client key as a PEM certificate, for IdPs that take an upload',
        }),
      })
      .optional()
      .meta({ description: 'The client secret and private key are never shown' }),
    metadata: z
      .object({ url: z.string().nullable(), fetchedAt: isoDate.nullable(), error: z.string().nullable() })
      .meta({
        description: 'The metadata URL, its last good read, and the error of the last read if it failed',
      }),
    health: healthSchema,
    lastSignInAt: isoDate.nullable().meta({
      description: 'When someone last signed in through the connection; null if nobody has',
    }),
    certificates: z.array(certificateStatusSchema).meta({
      description:
        "Every certificate the connection depends on (a SAML IdP's signing certificates, an OIDC client key's " +
        'certificate) and how long each has left',
    }),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'Connection' });

export function toDomainBody(domain: ConnectionDomain) {
  return {
    domain: domain.domain,
    verified: domain.verified,
    verifiedAt: domain.verifiedAt,
    verification: {
      name: verificationName(domain.domain),
      type: 'TXT' as const,
      value: domain.verificationToken,
    },
  };
}

/** The health flags as documented; a flag stored in another shape is left out rather than failing the read. */
function healthBody(health: Readonly<Record<string, unknown>>): z.output<typeof healthSchema> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(health)) {
    const known = healthSchema.shape[key as keyof typeof healthSchema.shape];
    if (!known || known.safeParse(value).success) out[key] = value;
  }
  return out as z.output<typeof healthSchema>;
}

/** What a connection's body adds to the connection: read apart, for a page of them at once. */
export interface ConnectionActivity {
  readonly lastSignInAt: Date | null;
}

export function toConnectionBody(connection: Connection, publicUrl: string, activity: ConnectionActivity) {
  const urls = connectionUrls(publicUrl, connection.id);
  const saml = connection.saml;
  return {
    id: connection.id,
    protocol: connection.protocol,
    provider: connection.provider,
    name: connection.name,
    domains: connection.domains.map(toDomainBody),
    spEntityId: saml ? urls.spEntityId : null,
    acsUrl: saml ? urls.acsUrl : null,
    spMetadataUrl: saml ? urls.spMetadataUrl : null,
    redirectUri: connection.oidc ? urls.redirectUri : null,
    jit: connection.jit,
    allowIdpInitiated: connection.allowIdpInitiated,
    attributeMapping: connection.attributeMapping,
    groupsAttribute: connection.groupsAttribute,
    clockSkewSeconds: connection.clockSkewSeconds,
    saml: saml
      ? {
          entityId: saml.entityId,
          ssoUrl: saml.ssoUrl,
          sloUrl: saml.sloUrl,
          certificates: certificateSummaries(connection),
          allowSha1Signatures: saml.allowSha1Signatures,
          allowUnsignedAssertions: saml.allowUnsignedAssertions,
          nameIdFormat: saml.nameIdFormat,
        }
      : undefined,
    oidc: connection.oidc
      ? {
          ...connection.oidc,
          scopes: connection.oidc.scopes && [...connection.oidc.scopes],
          jwksUri: urls.clientJwksUri,
        }
      : undefined,
    metadata: connection.metadata,
    health: healthBody(connection.health),
    lastSignInAt: activity.lastSignInAt,
    certificates: certificateStatuses(connection),
    createdAt: connection.createdAt,
    updatedAt: connection.updatedAt,
  };
}
