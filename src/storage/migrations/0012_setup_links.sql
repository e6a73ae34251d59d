-- Setup links: an org admin hands one to the customer's IT admin, who sets
-- up single sign-on and SCIM for that org through the setup portal without
-- a Muster account. The token is 256-bit random and only its SHA-256 is
-- kept; the link works until expires_at or until revoked. `expired` is
-- derived from expires_at when read, never written.
create table setup_links (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  token_hash text not null check (token_hash ~ '^[0-9a-f]{64}$'),
  features text[] not null check (
    cardinality(features) between 1 and 2 and features <@ array['sso', 'scim']::text[]
  ),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  -- The SSO connection the link sets up, its id reserved at creation so the
  -- portal can show Muster's URLs before the connection exists.
  connection_id uuid,
  -- The SCIM directory made through the portal, once made.
  directory_id uuid,
  -- What the IT admin chose in the portal's first step.
  provider text check (provider in ('entra', 'okta', 'jumpcloud', 'keycloak', 'generic')),
  protocol text check (protocol in ('saml', 'oidc')),
  -- The IdP metadata last checked in the portal (pasted, uploaded, or its
  -- URL), and what the check found: activation uses it.
  metadata_xml text check (octet_length(metadata_xml) <= 1048576),
  metadata_url text check (char_length(metadata_url) <= 2000),
  metadata_findings jsonb,
  metadata_checked_at timestamptz,
  created_by_type text not null,
  created_by_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint setup_links_token_key unique (token_hash),
  constraint setup_links_connection_key unique (connection_id),
  -- An org's links in the order they were made (ids are UUIDv7), and one by id.
  constraint setup_links_org_id_key unique (org_id, id),
  constraint setup_links_connection_needs_sso check (connection_id is null or 'sso' = any (features)),
  constraint setup_links_directory_needs_scim check (directory_id is null or 'scim' = any (features))
);
-- What a setup link changes is audited in the link's name.
alter table audit_events drop constraint audit_events_actor_type_check;
alter table audit_events add constraint audit_events_actor_type_check
  check (actor_type in ('admin_token', 'api_key', 'user', 'scim', 'system', 'setup_link'));
