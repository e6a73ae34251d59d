-- Group mappings: an IdP group (a SCIM group of a directory, or a group claim
-- value of an SSO connection) grants a team and/or an org role. Each grant a
-- mapping makes is its own row, naming the mapping and the audit event that
-- recorded it, so losing one source never touches what another granted, and
-- "why is Alice in Platform?" is a join, not a guess.

-- SSO connections: the part that mappings and sign-ins share. The SAML and
-- OIDC settings of a connection come with the sign-in itself.
create table connections (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  protocol text not null check (protocol in ('saml', 'oidc')),
  provider text not null check (provider in ('entra', 'okta', 'jumpcloud', 'keycloak', 'generic')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint connections_org_id_key unique (org_id, id)
);

-- Who signed in through a connection, as whom, and the group claim values of
-- their last sign-in: what connection mappings are computed from.
create table sso_identities (
  org_id uuid not null,
  connection_id uuid not null,
  -- The IdP's stable name for the person: the SAML NameID or the OIDC sub.
  subject text not null check (char_length(subject) between 1 and 1000),
  user_id uuid not null,
  groups text[] not null default '{}',
  groups_truncated boolean not null default false,
  created_at timestamptz not null default now(),
  last_login_at timestamptz not null default now(),
  constraint sso_identities_pkey primary key (connection_id, subject),
  constraint sso_identities_connection_fkey foreign key (org_id, connection_id)
    references connections (org_id, id) on delete cascade,
  constraint sso_identities_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index sso_identities_connection_user_idx on sso_identities (connection_id, user_id);
create index sso_identities_user_idx on sso_identities (org_id, user_id);
-- SCIM takes over a user first seen at sign-in when its externalId is the IdP's subject (Entra's object id).
create index sso_identities_subject_idx on sso_identities (org_id, subject);

create table group_mappings (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  directory_id uuid,
  connection_id uuid,
  -- The group as the admin named it: a SCIM id, externalId or displayName, or a claim value.
  group_key text not null check (char_length(group_key) between 1 and 400),
  -- Directory mappings: the SCIM group matched, by its stable id. Null until the
  -- IdP pushes a group of that name or externalId, and again once it deletes it.
  scim_group_id uuid references scim_groups (id) on delete set null,
  -- The group's name when the mapping was matched or last confirmed; a rename shows against it.
  group_name text,
  stale_reason text check (stale_reason in ('group_renamed', 'group_deleted')),
  team_id uuid,
  role text check (role in ('admin', 'member')),
  -- deleting: a reconciliation is removing its grants; it grants nothing new meanwhile.
  state text not null default 'active' check (state in ('active', 'deleting')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint group_mappings_org_id_key unique (org_id, id),
  constraint group_mappings_one_source check ((directory_id is null) <> (connection_id is null)),
  constraint group_mappings_grants_something check (team_id is not null or role is not null),
  constraint group_mappings_directory_fkey foreign key (org_id, directory_id)
    references directories (org_id, id) on delete cascade,
  constraint group_mappings_connection_fkey foreign key (org_id, connection_id)
    references connections (org_id, id) on delete cascade,
  constraint group_mappings_team_fkey foreign key (org_id, team_id) references teams (org_id, id) on delete cascade
);
create index group_mappings_org_idx on group_mappings (org_id, id);
create index group_mappings_directory_idx on group_mappings (directory_id, scim_group_id) where directory_id is not null;
create index group_mappings_connection_idx on group_mappings (connection_id, group_key) where connection_id is not null;
create index group_mappings_scim_group_idx on group_mappings (scim_group_id) where scim_group_id is not null;
-- The same group mapped to the same team and role twice is a mistake, not a
-- second grant: whether named the same way (a directory's names in any case)
-- or, once matched, by another of its names.
create unique index group_mappings_same_key on group_mappings (
  org_id, coalesce(directory_id, connection_id),
  (case when directory_id is null then group_key else lower(group_key) end),
  coalesce(team_id::text, ''), coalesce(role, '')
);
create unique index group_mappings_same_group on group_mappings (
  scim_group_id, coalesce(team_id::text, ''), coalesce(role, '')
) where scim_group_id is not null;

-- A grant made by a mapping names it (source_id holds the same id, for the
-- primary key) and goes with it; every grant names the audit event that made it.
alter table memberships
  add column mapping_id uuid,
  add column event_id uuid,
  add constraint memberships_mapping_fkey foreign key (org_id, mapping_id)
    references group_mappings (org_id, id) on delete cascade,
  add constraint memberships_mapping_source check (mapping_id is null or source_id = mapping_id::text);
create index memberships_mapping_idx on memberships (mapping_id, user_id) where mapping_id is not null;

alter table role_grants
  add column mapping_id uuid,
  add column event_id uuid,
  add constraint role_grants_mapping_fkey foreign key (org_id, mapping_id)
    references group_mappings (org_id, id) on delete cascade,
  add constraint role_grants_mapping_source check (mapping_id is null or source_id = mapping_id::text);
create index role_grants_mapping_idx on role_grants (mapping_id, user_id) where mapping_id is not null;
-- An org's owners, counted whenever one would be demoted or removed: only a
-- manual grant makes an owner, and it always wins. (users.role has no index:
-- a reconciliation rewrites it for every member it promotes.)
create index role_grants_owner_idx on role_grants (org_id, user_id) where role = 'owner';

-- A user's history ("why is Alice in Platform?") reads the events about them.
create index audit_events_target_idx on audit_events (org_id, target_id, id desc);

-- Background work kept in the database: a job survives the process that ran
-- it, resumes from its cursor, and each batch commits with its progress.
create table jobs (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  kind text not null check (char_length(kind) between 1 and 100),
  -- What the job works on, such as a mapping; jobs of one subject run one at a time.
  subject_id uuid not null,
  state text not null default 'queued' check (state in ('queued', 'running', 'done', 'failed')),
  -- Where the next batch starts; written with each batch's changes.
  cursor jsonb,
  done integer not null default 0 check (done >= 0),
  total integer,
  -- What the job changed, as counts by name; each transaction of work adds its own.
  result jsonb not null default '{}',
  attempts integer not null default 0,
  locked_by text,
  locked_until timestamptz,
  run_after timestamptz not null default now(),
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
create index jobs_ready_idx on jobs (run_after, id) where state in ('queued', 'running');
create index jobs_subject_idx on jobs (org_id, subject_id, id desc);
