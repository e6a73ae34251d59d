import type {
  ActorType,
  DirectoryProvider,
  SetupLinkFeature,
  SetupLinkRow,
  StoredMetadataFinding,
} from '../../storage/index.ts';

export type SetupLinkStatus = 'active' | 'expired' | 'revoked';

/** What the portal's first step chose: the IdP, and for SSO the protocol. */
export interface SetupChoice {
  readonly provider: DirectoryProvider;
  readonly protocol: 'saml' | 'oidc' | null;
}

/** The IdP metadata last checked in the portal, and what the check found. */
export interface SetupMetadataDraft {
  /** The document pasted or uploaded; null when a URL was given. */
  readonly xml: string | null;
  readonly url: string | null;
  readonly findings: readonly StoredMetadataFinding[];
  readonly checkedAt: Date;
}

export interface SetupLink {
  readonly id: string;
  readonly orgId: string;
  readonly features: readonly SetupLinkFeature[];
  /** active, expired (derived from expiresAt when read) or revoked. */
  readonly status: SetupLinkStatus;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  /** The SSO connection the link sets up: reserved at creation, made in the portal. */
  readonly connectionId: string | null;
  /** The SCIM directory made in the portal. */
  readonly directoryId: string | null;
  readonly choice: SetupChoice | null;
  readonly metadata: SetupMetadataDraft | null;
  readonly createdBy: { readonly type: ActorType; readonly id: string | null };
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export function statusOf(
  row: Pick<SetupLinkRow, 'revoked_at' | 'expires_at'>,
  now = new Date(),
): SetupLinkStatus {
  if (row.revoked_at) return 'revoked';
  return row.expires_at <= now ? 'expired' : 'active';
}

function metadataOf(row: SetupLinkRow): SetupMetadataDraft | null {
  if (!row.metadata_checked_at || (row.metadata_xml === null && row.metadata_url === null)) return null;
  return {
    xml: row.metadata_xml,
    url: row.metadata_url,
    findings: row.metadata_findings ?? [],
    checkedAt: row.metadata_checked_at,
  };
}

export function toSetupLink(row: SetupLinkRow): SetupLink {
  return {
    id: row.id,
    orgId: row.org_id,
    features: row.features,
    status: statusOf(row),
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    connectionId: row.connection_id,
    directoryId: row.directory_id,
    choice: row.provider ? { provider: row.provider, protocol: row.protocol } : null,
    metadata: metadataOf(row),
    createdBy: { type: row.created_by_type, id: row.created_by_id },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What an audit entry records of a link: never its token, nor the metadata document itself. */
export function setupLinkSnapshot(link: SetupLink) {
  const { metadata, ...rest } = link;
  return {
    ...rest,
    metadata: metadata && {
      source: metadata.url === null ? 'document' : 'url',
      url: metadata.url,
      errors: metadata.findings.filter((f) => f.severity === 'error').length,
      warnings: metadata.findings.filter((f) => f.severity === 'warning').length,
      checkedAt: metadata.checkedAt,
    },
  };
}
