-- Email invitations for people outside any IdP. An invitation names its
-- email, the org role and teams it grants at acceptance (source
-- `invitation`, so no IdP removal takes them away), tags and an expiry.
-- Its token is 256-bit random and stored hashed; a resend replaces it.
-- `expired` is derived from expires_at when read and written by a sweep.
create table invitations (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  email text not null check (char_length(email) between 3 and 320),
  role text not null default 'member' check (role in ('member', 'admin')),
  team_ids uuid[] not null default '{}',
  -- [{key, value}], at most 10.
  tags jsonb not null default '[]',
  message text check (char_length(message) <= 1000),
  token_hash text not null unique,
  expires_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'accepted', 'expired', 'revoked')),
  -- Who invited: the actor of the request, and the user when one (for the page and offboarding).
  invited_by_type text not null,
  invited_by_id text,
  invited_by_user_id uuid,
  -- The inviter as the invitation page and mail name them (a member's name, an API key's name).
  inviter_name text check (char_length(inviter_name) <= 300),
  accepted_at timestamptz,
  accepted_user_id uuid,
  revoked_at timestamptz,
  sent_count integer not null default 1 check (sent_count >= 1),
  last_sent_at timestamptz not null default now(),
  reminded_at timestamptz,
  -- When the invited person last asked the inviter for a new invitation (rate limited).
  renewal_requested_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, id)
);
-- One pending invitation per email and org.
create unique index invitations_pending_email_idx on invitations (org_id, email) where status = 'pending';
create index invitations_org_idx on invitations (org_id, id);
create index invitations_status_idx on invitations (org_id, status, id);
-- The sweep and the reminders: pending invitations by their end.
create index invitations_expiry_idx on invitations (expires_at) where status = 'pending';
create index invitations_inviter_idx on invitations (org_id, invited_by_user_id) where status = 'pending';

-- Org-wide invitation settings.
alter table orgs
  add column invitation_expiry_days integer not null default 7 check (invitation_expiry_days between 1 and 30),
  add column invitations_per_hour integer not null default 200 check (invitations_per_hour between 1 and 10000),
  add column invitation_reminders boolean not null default true;
