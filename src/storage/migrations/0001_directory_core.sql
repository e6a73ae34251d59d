-- The directory core: organizations, their users and teams, memberships and
-- role grants that record where they came from, API keys and the audit log.
-- Every tenant-owned table carries org_id first, and references inside an
-- org go through (org_id, id) so a row can never point into another org.

create table orgs (
  id uuid primary key,
  name text not null check (char_length(name) between 1 and 200),
  slug text not null check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint orgs_slug_key unique (slug)
);

create table users (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  email text not null check (char_length(email) between 3 and 320),
  given_name text,
  family_name text,
  display_name text,
  status text not null default 'active' check (status in ('active', 'suspended')),
  -- The effective org role; role_grants say why it is what it is.
  role text not null default 'member' check (role in ('owner', 'admin', 'member')),
  role_pinned boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint users_org_id_key unique (org_id, id)
);
create unique index users_org_email_key on users (org_id, lower(email));

create table teams (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 200),
  slug text not null check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'),
  description text check (char_length(description) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint teams_org_id_key unique (org_id, id),
  constraint teams_org_slug_key unique (org_id, slug)
);

-- One row per grant: a user holds a team once per source, and keeps it while
-- any source still grants it. source_id names the directory, connection,
-- mapping or invitation behind the grant ('' for manual grants).
create table memberships (
  org_id uuid not null,
  team_id uuid not null,
  user_id uuid not null,
  source text not null check (source in ('scim', 'sso', 'invitation', 'manual')),
  source_id text not null default '',
  created_at timestamptz not null default now(),
  constraint memberships_pkey primary key (org_id, team_id, user_id, source, source_id),
  constraint memberships_team_fkey foreign key (org_id, team_id) references teams (org_id, id) on delete cascade,
  constraint memberships_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index memberships_org_user_idx on memberships (org_id, user_id);

create table role_grants (
  org_id uuid not null,
  user_id uuid not null,
  role text not null check (role in ('owner', 'admin', 'member')),
  source text not null check (source in ('scim', 'sso', 'invitation', 'manual')),
  source_id text not null default '',
  created_at timestamptz not null default now(),
  constraint role_grants_pkey primary key (org_id, user_id, source, source_id),
  constraint role_grants_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);

create table api_keys (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 200),
  -- SHA-256 of the secret part; the key itself is shown once and never stored.
  secret_hash text not null check (secret_hash ~ '^[0-9a-f]{64}$'),
  created_by text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  constraint api_keys_org_id_key unique (org_id, id)
);

create table audit_events (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  actor_type text not null check (actor_type in ('admin_token', 'api_key', 'user', 'scim', 'system')),
  actor_id text,
  action text not null,
  target_type text not null,
  target_id text,
  before jsonb,
  after jsonb,
  request_id text,
  created_at timestamptz not null default now()
);
-- Newest first, per org: ids are UUIDv7, ordered by creation time.
create index audit_events_org_id_idx on audit_events (org_id, id desc);
