export { type CertificateStatus, certificateStatuses } from './certificate-status.ts';
export { certificateWarningDays, warnExpiringCertificates } from './certificate-watch.ts';
export {
  type CertificateSummary,
  normalizeCertificate,
  summarizeCertificate,
} from './connection-certificates.ts';
export type { ConnectionChanges, NewConnection, SamlIdpChange } from './connection-changes.ts';
export {
  type ConnectionDomain,
  normalizeDomain,
  verificationName,
  verifyConnectionDomain,
} from './connection-domains.ts';
export { flagConnectionHealth } from './connection-health.ts';
export {
  type ConnectionChoice,
  connectionChoice,
  connectionForDomain,
  connectionsOfOrg,
  domainOf,
  isDomainVerified,
} from './connection-lookup.ts';
export { isPublicMailDomain, publicMailDomains } from './connection-public-domains.ts';
export {
  type MetadataRead,
  metadataRefreshKind,
  metadataRefreshTarget,
  queueMissingMetadataRefreshes,
  type RefreshOutcome,
  recordMetadataRefresh,
  scheduleNextMetadataRefresh,
} from './connection-refresh.ts';
export type { ConnectionSecrets, KeyPair } from './connection-secrets.ts';
export {
  connectionUrls,
  type OidcSignInConnection,
  oidcConnectionFor,
  type SamlSignInConnection,
  type SsoKeys,
  samlConnectionFor,
} from './connection-signin.ts';
export {
  type AttributeMapping,
  attributeMappingKeys,
  type Connection,
  type ConnectionProtocol,
  certificateSummaries,
  defaultClockSkewSeconds,
  type OidcClient,
  type SamlIdp,
  type SamlOptions,
  type TokenEndpointAuthMethod,
  tokenEndpointAuthMethods,
} from './connection-view.ts';
export {
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  updateConnection,
} from './connections.ts';
export {
  createDirectory,
  type Directory,
  type DirectoryInput,
  type DirectoryProvider,
  type DirectoryView,
  deleteDirectory,
  directoryProviders,
  getDirectory,
  listDirectories,
  updateDirectory,
} from './directories.ts';
export { type DirectoryGroup, type DirectoryGroupQuery, listDirectoryGroups } from './directory-groups.ts';
export {
  authenticateDirectoryToken,
  createDirectoryToken,
  type DirectoryToken,
  listDirectoryTokens,
  maxLiveTokens,
  revokeDirectoryToken,
} from './directory-tokens.ts';
export {
  listScimRequestLog,
  ScimRequestLog,
  type ScimRequestLogEntry,
  type ScimRequestLogOptions,
  type ScimRequestRecord,
} from './scim-log.ts';
export { lastScimRequests, lastSignIns } from './source-activity.ts';
