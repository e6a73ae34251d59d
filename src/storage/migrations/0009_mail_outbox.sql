-- Mail Muster sends (invitations, reminders, password resets): queued in
-- the transaction of the change that needs it, so an invitation exists
-- exactly when its mail does, and sent by a worker with retries. Without
-- SMTP_URL the worker writes each mail to the log and marks it sent: the
-- table is the outbox a fresh install can read.
create table mail_outbox (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  -- What the mail is: invitation, invitation_reminder, password_reset, invitation_request.
  kind text not null check (char_length(kind) between 1 and 50),
  -- What it is about (an invitation, a user), for the status shown with it.
  subject_id uuid,
  to_address text not null check (char_length(to_address) between 3 and 320),
  subject text not null check (char_length(subject) <= 500),
  text_body text not null,
  html_body text not null,
  -- queued; sent; failed (the last attempt failed: retried at next_attempt_at, or given up when null).
  state text not null default 'queued' check (state in ('queued', 'sent', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz default now(),
  last_error text check (char_length(last_error) <= 1000),
  sent_at timestamptz,
  locked_by text,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- The worker's scan: mail to send now.
create index mail_outbox_due_idx on mail_outbox (next_attempt_at) where state in ('queued', 'failed');
-- An org's mail of one kind sent lately: the invitation rate limit counts each send.
create index mail_outbox_kind_idx on mail_outbox (org_id, kind, created_at);
-- The latest mail about a subject (an invitation's delivery status).
create index mail_outbox_subject_idx on mail_outbox (org_id, subject_id, id desc);
