import { MusterError } from '../../errors.ts';
import type { SecretBox } from '../../infra/crypto/index.ts';
import type { ConnectionFields, ConnectionRow, DirectoryProvider } from '../../storage/index.ts';
import { readCertificates } from './connection-certificates.ts';
import { type ConnectionSecrets, type KeyPair, openSecrets, sealSecrets } from './connection-secrets.ts';
import {
  type AttributeMapping,
  type Connection,
  type ConnectionProtocol,
  type OidcClient,
  type SamlIdp,
  type SamlOptions,
  settingsOf,
} from './connection-view.ts';

/** What creating or changing a connection takes, and the columns a change rewrites. */

export interface NewConnection {
  /** Chosen by the caller, which made the SP keys for this id before the transaction. */
  readonly id: string;
  readonly protocol: ConnectionProtocol;
  readonly provider: DirectoryProvider;
  readonly name?: string | undefined;
  /** As given: normalized and checked here. */
  readonly domains: readonly string[];
  readonly jit?: boolean | undefined;
  readonly allowIdpInitiated?: boolean | undefined;
  readonly attributeMapping?: AttributeMapping | undefined;
  readonly groupsAttribute?: string | null | undefined;
  readonly clockSkewSeconds?: number | undefined;
  readonly saml?: SamlIdpChange | undefined;
  readonly samlOptions?: Partial<SamlOptions> | undefined;
  readonly oidc?: OidcClient | undefined;
  readonly secrets: ConnectionSecrets;
}

/**
 * A new IdP for a SAML connection: read from metadata (a URL, re-read daily,
 * or XML pasted once), or fields entered by hand, which merge onto the
 * current ones and end any metadata URL.
 */
export type SamlIdpChange =
  | { readonly source: 'metadata'; readonly idp: SamlIdp; readonly url: string | null }
  | { readonly source: 'manual'; readonly idp: Partial<SamlIdp> };

export interface ConnectionChanges {
  readonly name?: string | undefined;
  readonly provider?: DirectoryProvider | undefined;
  /** The whole new list: domains kept keep their verification. */
  readonly domains?: readonly string[] | undefined;
  readonly jit?: boolean | undefined;
  readonly allowIdpInitiated?: boolean | undefined;
  readonly attributeMapping?: AttributeMapping | undefined;
  readonly groupsAttribute?: string | null | undefined;
  readonly clockSkewSeconds?: number | undefined;
  readonly saml?: SamlIdpChange | undefined;
  readonly samlOptions?: Partial<SamlOptions> | undefined;
  readonly oidc?: Partial<OidcClient> | undefined;
  readonly clientSecret?: string | undefined;
  /** A client key made for the change: kept only when the connection has none yet. */
  readonly clientKey?: KeyPair | undefined;
}

export function invalid(path: string, message: string): MusterError {
  return new MusterError('validation_failed', 'The request body is not valid', {
    details: [{ path, message }],
  });
}

/** Settings of one protocol may not be given to a connection of the other. */
export function checkProtocol(protocol: ConnectionProtocol, input: ConnectionChanges): void {
  const samlOnly = {
    saml: input.saml,
    allowIdpInitiated: input.allowIdpInitiated,
    ...(input.samlOptions ?? {}),
  };
  const oidcOnly = { oidc: input.oidc, clientSecret: input.clientSecret };
  const wrong = protocol === 'saml' ? oidcOnly : samlOnly;
  for (const [key, value] of Object.entries(wrong))
    if (value !== undefined) throw invalid(key, `is not a setting of ${protocol} connections`);
}

export function mergeIdp(current: SamlIdp | null, change: SamlIdpChange): SamlIdp {
  const idp = change.source === 'metadata' ? change.idp : { ...(current ?? {}), ...change.idp };
  if (!idp.entityId || !idp.ssoUrl || !idp.certificates)
    throw invalid('saml', 'give metadataXml, metadataUrl, or entityId with ssoUrl and certificates');
  return {
    entityId: idp.entityId,
    ssoUrl: idp.ssoUrl,
    sloUrl: idp.sloUrl ?? null,
    certificates: readCertificates(idp.certificates, 'saml.certificates'),
  };
}

export function mappingJson(mapping: AttributeMapping): string {
  return JSON.stringify(Object.fromEntries(Object.entries(mapping).filter(([, v]) => v !== undefined)));
}

/** The columns a change rewrites, from the connection as it stands (locked) and the change. */
export function changedColumns(
  box: SecretBox,
  before: Connection,
  row: ConnectionRow,
  changes: ConnectionChanges,
) {
  const fields: Partial<ConnectionFields> = {};
  if (changes.name !== undefined) fields.name = changes.name;
  if (changes.provider !== undefined) fields.provider = changes.provider;
  if (changes.jit !== undefined) fields.jit = changes.jit;
  if (changes.allowIdpInitiated !== undefined) fields.allow_idp_initiated = changes.allowIdpInitiated;
  if (changes.attributeMapping !== undefined)
    fields.attribute_mapping = mappingJson(changes.attributeMapping);
  if (changes.groupsAttribute !== undefined) fields.groups_attribute = changes.groupsAttribute;
  const saml = before.saml && {
    ...before.saml,
    ...(changes.saml ? mergeIdp(before.saml, changes.saml) : {}),
    ...Object.fromEntries(Object.entries(changes.samlOptions ?? {}).filter(([, v]) => v !== undefined)),
  };
  const secrets = openSecrets(box, row.id, row.sealed_secrets);
  const clientKey = secrets.clientKey ?? (before.oidc ? changes.clientKey : undefined);
  const oidc = before.oidc && {
    ...before.oidc,
    ...Object.fromEntries(Object.entries(changes.oidc ?? {}).filter(([, v]) => v !== undefined)),
    clientCertificate: clientKey?.certificate ?? before.oidc.clientCertificate,
  };
  fields.settings = settingsOf({
    saml,
    oidc,
    clockSkewSeconds: changes.clockSkewSeconds ?? before.clockSkewSeconds,
  });
  if (changes.saml) {
    fields.metadata_url = changes.saml.source === 'metadata' ? changes.saml.url : null;
    fields.metadata_fetched_at = fields.metadata_url ? new Date() : null;
    fields.metadata_error = null;
  }
  if (changes.clientSecret !== undefined || clientKey !== secrets.clientKey)
    fields.sealed_secrets = sealSecrets(box, row.id, {
      ...secrets,
      ...(changes.clientSecret !== undefined ? { clientSecret: changes.clientSecret } : {}),
      ...(clientKey ? { clientKey } : {}),
    });
  return fields;
}
