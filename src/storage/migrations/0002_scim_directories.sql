-- SCIM directories: each org may have several, each with its own tokens,
-- users and groups. A SCIM user is linked to one org user; a SCIM group keeps
-- its members as rows, so adding one member to a group of 100,000 writes one
-- row. Counts are kept in the same transactions as the rows they count, so
-- totalResults never needs a full count.

create table directories (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 200),
  provider text not null check (provider in ('entra', 'okta', 'jumpcloud', 'keycloak', 'generic')),
  -- What DELETE /Users/{id} does to the org user: suspend (keep) or delete.
  user_deletion text not null default 'suspend' check (user_deletion in ('suspend', 'delete')),
  user_count integer not null default 0 check (user_count >= 0),
  group_count integer not null default 0 check (group_count >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint directories_org_id_key unique (org_id, id)
);

-- Bearer tokens for a directory's SCIM endpoint: SHA-256 of the secret only.
-- Several may be live at once, so a token can be rotated with overlap.
create table directory_tokens (
  id uuid primary key,
  org_id uuid not null,
  directory_id uuid not null,
  secret_hash text not null check (secret_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  constraint directory_tokens_directory_fkey foreign key (org_id, directory_id)
    references directories (org_id, id) on delete cascade
);
create index directory_tokens_directory_idx on directory_tokens (org_id, directory_id);

create table scim_users (
  -- The SCIM id the IdP sees.
  id uuid primary key,
  org_id uuid not null,
  directory_id uuid not null,
  user_id uuid not null,
  user_name text not null check (char_length(user_name) between 1 and 320),
  external_id text,
  active boolean not null default true,
  display_name text,
  -- The SCIM resource as last written, without id and meta; extensions under their URN.
  resource jsonb not null,
  -- The request body of the last write, for support.
  raw jsonb,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint scim_users_directory_fkey foreign key (org_id, directory_id)
    references directories (org_id, id) on delete cascade,
  constraint scim_users_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade,
  constraint scim_users_directory_user_key unique (directory_id, user_id)
);
-- userName is unique per directory whatever its case (caseExact false); externalId exactly.
create unique index scim_users_user_name_key on scim_users (directory_id, lower(user_name));
create unique index scim_users_external_id_key on scim_users (directory_id, external_id) where external_id is not null;
create index scim_users_directory_id_idx on scim_users (directory_id, id);

create table scim_groups (
  id uuid primary key,
  org_id uuid not null,
  directory_id uuid not null,
  display_name text not null check (char_length(display_name) between 1 and 400),
  external_id text,
  -- The group as last written, without id, meta and members.
  resource jsonb not null,
  raw jsonb,
  member_count integer not null default 0 check (member_count >= 0),
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint scim_groups_directory_fkey foreign key (org_id, directory_id)
    references directories (org_id, id) on delete cascade
);
-- Entra requires displayName to be unique among a directory's groups; matched case-insensitively.
create unique index scim_groups_display_name_key on scim_groups (directory_id, lower(display_name));
create unique index scim_groups_external_id_key on scim_groups (directory_id, external_id) where external_id is not null;
create index scim_groups_directory_id_idx on scim_groups (directory_id, id);

-- One row per member, never an array in one row.
create table scim_group_members (
  org_id uuid not null,
  directory_id uuid not null,
  group_id uuid not null references scim_groups (id) on delete cascade,
  member_id uuid not null references scim_users (id) on delete cascade,
  created_at timestamptz not null default now(),
  constraint scim_group_members_pkey primary key (group_id, member_id)
);
create index scim_group_members_member_idx on scim_group_members (member_id);

-- What each SCIM call did, so a customer's IT admin can see why a push failed.
create table scim_requests (
  id uuid primary key,
  org_id uuid not null,
  directory_id uuid not null,
  method text not null,
  path text not null,
  status integer not null,
  scim_type text,
  duration_ms integer not null,
  request_id text,
  -- What changed (resource type, id, operation) or why it failed; never tokens or passwords.
  summary jsonb,
  created_at timestamptz not null default now(),
  constraint scim_requests_directory_fkey foreign key (org_id, directory_id)
    references directories (org_id, id) on delete cascade
);
create index scim_requests_directory_idx on scim_requests (org_id, directory_id, id desc);
