-- Local accounts: a password for people no IdP signs in (invited people
-- whose email domain has no SSO connection), password reset by email, and
-- the sign-in throttle every Muster process shares.

-- A user's password, as an argon2id PHC string (its parameters in it); one
-- per user, so per org: the same email in two orgs is two users, two passwords.
create table local_credentials (
  org_id uuid not null,
  user_id uuid not null,
  password_hash text not null check (password_hash like '$argon2id$%' and char_length(password_hash) <= 300),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint local_credentials_pkey primary key (org_id, user_id),
  constraint local_credentials_user_fkey foreign key (org_id, user_id)
    references users (org_id, id) on delete cascade
);

-- A sign-in by email looks for the person's accounts in every org.
create index users_email_idx on users (lower(email));

-- A password reset link: 256-bit random, only its SHA-256 kept, usable
-- once (used_at, set atomically) within its hour.
create table password_reset_tokens (
  id uuid primary key,
  org_id uuid not null,
  user_id uuid not null,
  token_hash text not null check (token_hash ~ '^[0-9a-f]{64}$'),
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  constraint password_reset_tokens_token_key unique (token_hash),
  constraint password_reset_tokens_user_fkey foreign key (org_id, user_id)
    references users (org_id, id) on delete cascade
);
-- A user's links: how many were sent in the last hour, and which to void once one is used.
create index password_reset_tokens_user_idx on password_reset_tokens (org_id, user_id, created_at);
create index password_reset_tokens_expires_idx on password_reset_tokens (expires_at);

-- Failed sign-ins counted per account (a lowercased email, whether or not
-- any account has it, so a lock says nothing of its existence), per client
-- address, and reset requests per address. Only a SHA-256 of the subject
-- is kept. After a threshold, each further failure locks the subject for
-- twice as long as the last, up to a cap.
create table login_throttles (
  scope text not null check (scope in ('account', 'ip', 'reset')),
  subject_hash text not null check (subject_hash ~ '^[0-9a-f]{64}$'),
  failures integer not null default 0 check (failures >= 0),
  locked_until timestamptz,
  last_failure_at timestamptz not null default now(),
  -- When the row no longer matters (its window and its lock have passed): swept after.
  expires_at timestamptz not null,
  constraint login_throttles_pkey primary key (scope, subject_hash)
);
create index login_throttles_expires_idx on login_throttles (expires_at);
