import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** The tables as migrations/ create them; the suite runs every query against the migrated schema. */

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export type OrgRole = 'owner' | 'admin' | 'member';
export type GrantSource = 'scim' | 'sso' | 'invitation' | 'manual';
export type ActorType = 'admin_token' | 'api_key' | 'user' | 'scim' | 'system' | 'setup_link';

export interface OrgsTable {
  id: string;
  name: string;
  slug: string;
  app_urls: ColumnType<string[], string[] | undefined, string[]>;
  invitation_expiry_days: Generated<number>;
  invitations_per_hour: Generated<number>;
  invitation_reminders: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface UsersTable {
  id: string;
  org_id: string;
  email: string;
  given_name: string | null;
  family_name: string | null;
  display_name: string | null;
  status: Generated<'active' | 'suspended'>;
  role: Generated<OrgRole>;
  role_pinned: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface TeamsTable {
  id: string;
  org_id: string;
  name: string;
  slug: string;
  description: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface MembershipsTable {
  org_id: string;
  team_id: string;
  user_id: string;
  source: GrantSource;
  source_id: Generated<string>;
  mapping_id: string | null;
  event_id: string | null;
  created_at: CreatedAt;
}

export interface RoleGrantsTable {
  org_id: string;
  user_id: string;
  role: OrgRole;
  source: GrantSource;
  source_id: Generated<string>;
  mapping_id: string | null;
  event_id: string | null;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  name: string;
  secret_hash: string;
  created_by: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface AuditEventsTable {
  id: string;
  org_id: string;
  actor_type: ActorType;
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  created_at: CreatedAt;
  /** The writing transaction's id (xid8, as text): the feed's order. */
  txid: Generated<string>;
}

export type DirectoryProvider = 'entra' | 'okta' | 'jumpcloud' | 'keycloak' | 'generic';

export interface DirectoriesTable {
  id: string;
  org_id: string;
  name: string;
  provider: DirectoryProvider;
  user_deletion: Generated<'suspend' | 'delete'>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface DirectoryCountersTable {
  org_id: string;
  directory_id: string;
  shard: number;
  user_count: Generated<number>;
  group_count: Generated<number>;
}

export interface DirectoryTokensTable {
  id: string;
  org_id: string;
  directory_id: string;
  secret_hash: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** A SCIM resource as JSON: canonical attribute names, extensions under their URN. */
export type ScimJson = Record<string, unknown>;

export interface ScimUsersTable {
  id: string;
  org_id: string;
  directory_id: string;
  user_id: string;
  user_name: string;
  external_id: string | null;
  active: Generated<boolean>;
  display_name: string | null;
  resource: ColumnType<ScimJson, string, string>;
  raw: ColumnType<unknown, string | null, string | null>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ScimGroupsTable {
  id: string;
  org_id: string;
  directory_id: string;
  display_name: string;
  external_id: string | null;
  resource: ColumnType<ScimJson, string, string>;
  raw: ColumnType<unknown, string | null, string | null>;
  member_count: Generated<number>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ScimGroupMembersTable {
  org_id: string;
  directory_id: string;
  group_id: string;
  member_id: string;
  created_at: CreatedAt;
}

export interface ScimRequestsTable {
  id: string;
  org_id: string;
  directory_id: string;
  method: string;
  path: string;
  status: number;
  scim_type: string | null;
  duration_ms: number;
  request_id: string | null;
  summary: ColumnType<unknown, string | null, string | null>;
  created_at: CreatedAt;
}

export type ConnectionProtocol = 'saml' | 'oidc';

export interface ConnectionsTable {
  id: string;
  org_id: string;
  protocol: ConnectionProtocol;
  provider: DirectoryProvider;
  name: Generated<string>;
  jit: Generated<boolean>;
  allow_idp_initiated: Generated<boolean>;
  attribute_mapping: ColumnType<Record<string, string>, string | undefined, string>;
  groups_attribute: string | null;
  /** The protocol's settings; never a secret. */
  settings: ColumnType<Record<string, unknown>, string | undefined, string>;
  /** SecretBox-sealed JSON of the connection's secrets. */
  sealed_secrets: string | null;
  metadata_url: string | null;
  metadata_fetched_at: Date | null;
  metadata_error: string | null;
  health: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ConnectionDomainsTable {
  domain: string;
  org_id: string;
  connection_id: string;
  verification_token: string;
  verified_at: Date | null;
  created_at: CreatedAt;
}

export interface LoginTransactionsTable {
  id: string;
  org_id: string;
  connection_id: string;
  request_key: string;
  sealed_secrets: string | null;
  browser_binding: string | null;
  return_to: string | null;
  purpose: ColumnType<LoginPurpose, LoginPurpose | undefined, never>;
  created_at: CreatedAt;
  expires_at: Date;
  consumed_at: Date | null;
}

/** A real sign-in, or a test whose answer is recorded instead of signing anyone in. */
export type LoginPurpose = 'sign_in' | 'test';

export interface ConnectionTestSignInsTable {
  id: string;
  org_id: string;
  connection_id: string;
  at: Date;
  outcome: 'succeeded' | 'failed';
  subject: string | null;
  email: string | null;
  attributes: ColumnType<Record<string, string[]>, string, never>;
  groups: ColumnType<string[], string[], never>;
  groups_truncated: boolean;
  error: string | null;
}

export interface SamlAssertionsTable {
  connection_id: string;
  assertion_id: string;
  expires_at: Date;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: Generated<'ES256'>;
  sealed_private_key: string;
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  created_at: CreatedAt;
  retired_at: Date | null;
}

export interface SessionsTable {
  id: string;
  org_id: string;
  user_id: string;
  connection_id: string | null;
  login_id: string;
  idp_session_index: string | null;
  created_at: CreatedAt;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface SsoIdentitiesTable {
  org_id: string;
  connection_id: string;
  subject: string;
  user_id: string;
  groups: ColumnType<string[], string[] | undefined, string[]>;
  groups_truncated: Generated<boolean>;
  created_at: CreatedAt;
  last_login_at: ColumnType<Date, Date | undefined, Date>;
}

export type MappedRole = 'admin' | 'member';
export type StaleReason = 'group_renamed' | 'group_deleted';

export interface GroupMappingsTable {
  id: string;
  org_id: string;
  directory_id: string | null;
  connection_id: string | null;
  group_key: string;
  scim_group_id: string | null;
  group_name: string | null;
  stale_reason: StaleReason | null;
  team_id: string | null;
  role: MappedRole | null;
  state: Generated<'active' | 'deleting'>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobsTable {
  id: string;
  org_id: string;
  kind: string;
  subject_id: string;
  state: Generated<JobState>;
  cursor: ColumnType<unknown, string | null | undefined, string | null>;
  done: Generated<number>;
  total: number | null;
  result: ColumnType<Record<string, number>, string | undefined, string>;
  attempts: Generated<number>;
  locked_by: string | null;
  locked_until: Date | null;
  run_after: ColumnType<Date, Date | undefined, Date>;
  error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  finished_at: Date | null;
}

export interface WebhookEndpointsTable {
  id: string;
  org_id: string;
  url: string;
  description: Generated<string>;
  event_types: ColumnType<string[], string[] | undefined, string[]>;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  sealed_secret: string;
  sealed_previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  /** xid8 as decimal text. */
  cursor_txid: string;
  cursor_id: string;
  start_snapshot: string | null;
  failing_since: Date | null;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | undefined, Date>;
  last_error: string | null;
  last_delivered_at: Date | null;
  locked_by: string | null;
  locked_until: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface WebhookDeliveriesTable {
  id: string;
  org_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  succeeded: boolean;
  http_status: number | null;
  error: string | null;
  duration_ms: number;
  redelivery: Generated<boolean>;
  created_at: CreatedAt;
}

export interface WebhookRedeliveriesTable {
  id: string;
  org_id: string;
  endpoint_id: string;
  event_id: string;
  created_at: CreatedAt;
}

export type InvitationStatus = 'pending' | 'accepted' | 'expired' | 'revoked';
export interface InvitationTag {
  readonly key: string;
  readonly value: string;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: 'member' | 'admin';
  team_ids: ColumnType<string[], string[] | undefined, string[]>;
  tags: ColumnType<InvitationTag[], string | undefined, string>;
  message: string | null;
  token_hash: string;
  expires_at: Date;
  status: Generated<InvitationStatus>;
  invited_by_type: ActorType;
  invited_by_id: string | null;
  invited_by_user_id: string | null;
  inviter_name: string | null;
  accepted_at: Date | null;
  accepted_user_id: string | null;
  revoked_at: Date | null;
  sent_count: Generated<number>;
  last_sent_at: ColumnType<Date, Date | undefined, Date>;
  reminded_at: Date | null;
  renewal_requested_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type MailState = 'queued' | 'sent' | 'failed';

export interface MailOutboxTable {
  id: string;
  org_id: string;
  kind: string;
  subject_id: string | null;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  state: Generated<MailState>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  last_error: string | null;
  sent_at: Date | null;
  locked_by: string | null;
  locked_until: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface LocalCredentialsTable {
  org_id: string;
  user_id: string;
  /** argon2id, PHC string format. */
  password_hash: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface PasswordResetTokensTable {
  id: string;
  org_id: string;
  user_id: string;
  token_hash: string;
  expires_at: Date;
  used_at: Date | null;
  created_at: CreatedAt;
}

export type LoginThrottleScope = 'account' | 'ip' | 'reset';

export interface LoginThrottlesTable {
  scope: LoginThrottleScope;
  subject_hash: string;
  failures: Generated<number>;
  locked_until: Date | null;
  last_failure_at: ColumnType<Date, Date | undefined, Date>;
  expires_at: Date;
}

export type SetupLinkFeature = 'sso' | 'scim';

/** A finding of the IdP metadata check, as stored with the link's metadata. */
export interface StoredMetadataFinding {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly message: string;
}

export interface SetupLinksTable {
  id: string;
  org_id: string;
  token_hash: string;
  features: ColumnType<SetupLinkFeature[], SetupLinkFeature[], SetupLinkFeature[]>;
  expires_at: Date;
  revoked_at: Date | null;
  connection_id: string | null;
  directory_id: string | null;
  provider: DirectoryProvider | null;
  protocol: 'saml' | 'oidc' | null;
  metadata_xml: string | null;
  metadata_url: string | null;
  metadata_findings: ColumnType<StoredMetadataFinding[] | null, string | null, string | null>;
  metadata_checked_at: Date | null;
  created_by_type: ActorType;
  created_by_id: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: CreatedAt;
}

export interface DB {
  orgs: OrgsTable;
  users: UsersTable;
  teams: TeamsTable;
  memberships: MembershipsTable;
  role_grants: RoleGrantsTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
  directories: DirectoriesTable;
  directory_tokens: DirectoryTokensTable;
  directory_counters: DirectoryCountersTable;
  scim_users: ScimUsersTable;
  scim_groups: ScimGroupsTable;
  scim_group_members: ScimGroupMembersTable;
  scim_requests: ScimRequestsTable;
  connections: ConnectionsTable;
  sso_identities: SsoIdentitiesTable;
  group_mappings: GroupMappingsTable;
  jobs: JobsTable;
  connection_domains: ConnectionDomainsTable;
  login_transactions: LoginTransactionsTable;
  connection_test_sign_ins: ConnectionTestSignInsTable;
  saml_assertions: SamlAssertionsTable;
  signing_keys: SigningKeysTable;
  sessions: SessionsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_redeliveries: WebhookRedeliveriesTable;
  mail_outbox: MailOutboxTable;
  invitations: InvitationsTable;
  local_credentials: LocalCredentialsTable;
  password_reset_tokens: PasswordResetTokensTable;
  login_throttles: LoginThrottlesTable;
  setup_links: SetupLinksTable;
  schema_migrations: SchemaMigrationsTable;
}

export type OrgRow = Selectable<OrgsTable>;
export type TeamRow = Selectable<TeamsTable>;
export type NewTeam = Insertable<TeamsTable>;
export type TeamPatch = Updateable<TeamsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
export type DirectoryRow = Selectable<DirectoriesTable>;
export type DirectoryTokenRow = Selectable<DirectoryTokensTable>;
/** Rows as read: the raw payload is kept for support, never read back to answer a request. */
export type ScimUserRow = Omit<Selectable<ScimUsersTable>, 'raw'>;
export type ScimGroupRow = Omit<Selectable<ScimGroupsTable>, 'raw'>;
export type UserRow = Selectable<UsersTable>;
export type ConnectionRow = Selectable<ConnectionsTable>;
export type GroupMappingRow = Selectable<GroupMappingsTable>;
export type JobRow = Selectable<JobsTable>;
export type ConnectionDomainRow = Selectable<ConnectionDomainsTable>;
export type LoginTransactionRow = Selectable<LoginTransactionsTable>;
export type ConnectionTestSignInRow = Selectable<ConnectionTestSignInsTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
export type SessionRow = Selectable<SessionsTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type MailRow = Selectable<MailOutboxTable>;
export type InvitationRow = Selectable<InvitationsTable>;
export type LocalCredentialRow = Selectable<LocalCredentialsTable>;
export type PasswordResetTokenRow = Selectable<PasswordResetTokensTable>;
export type SetupLinkRow = Selectable<SetupLinksTable>;
