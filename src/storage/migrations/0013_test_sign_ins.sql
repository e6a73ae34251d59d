-- Test sign-ins: an admin setting up a connection runs a real sign-in
-- through it to see what the IdP sends. The answer is checked as any
-- sign-in's, then recorded here instead of provisioning anyone or starting a
-- session. The sign-in in flight says which kind it is.

alter table login_transactions
  add column purpose text not null default 'sign_in' check (purpose in ('sign_in', 'test'));

-- What each test sign-in's answer carried, or why it was refused. The newest
-- 20 of a connection are kept; each new one trims the rest.
create table connection_test_sign_ins (
  id uuid primary key,
  org_id uuid not null,
  connection_id uuid not null,
  at timestamptz not null default now(),
  outcome text not null check (outcome in ('succeeded', 'failed')),
  -- SAML NameID or OIDC sub; null when the answer was refused before it was read.
  subject text check (char_length(subject) <= 1000),
  email text check (char_length(email) <= 320),
  -- Every attribute (SAML) or claim (OIDC) by name, values as text; never a token.
  attributes jsonb not null default '{}',
  groups text[] not null default '{}',
  groups_truncated boolean not null default false,
  -- The check that refused the answer, in the words an IdP admin acts on.
  error text check (char_length(error) <= 2000),
  constraint connection_test_sign_ins_outcome_error check ((outcome = 'failed') = (error is not null)),
  constraint connection_test_sign_ins_connection_fkey foreign key (org_id, connection_id)
    references connections (org_id, id) on delete cascade
);
-- A connection's newest first, and the trim past the 20th.
create index connection_test_sign_ins_newest_idx
  on connection_test_sign_ins (org_id, connection_id, at desc, id desc);
