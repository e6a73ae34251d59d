-- Webhooks: an org's endpoints, each following the org's events feed with
-- a cursor of its own. Delivery needs no row per event: an endpoint's
-- cursor moves past what it delivered, in the transaction that logs the
-- delivery, so ordering per endpoint comes from the feed, and a change's
-- event exists exactly when the change committed (the audit log).
create table webhook_endpoints (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  url text not null check (char_length(url) between 1 and 2000),
  description text not null default '' check (char_length(description) <= 500),
  -- The event types it receives; empty: every type.
  event_types text[] not null default '{}',
  enabled boolean not null default true,
  -- Why delivery stopped, when Muster stopped it (an admin's pause leaves it null).
  disabled_reason text,
  -- The HMAC secret, sealed with MASTER_KEY; during a rotation's overlap the
  -- previous one signs too, until previous_secret_expires_at.
  sealed_secret text not null,
  sealed_previous_secret text,
  previous_secret_expires_at timestamptz,
  -- Where delivery stands in the org's feed: every event up to here is delivered.
  cursor_txid xid8 not null,
  cursor_id uuid not null,
  -- Made without a start position: the transactions committed by then (pg_snapshot as text),
  -- which the cursor passes without delivering.
  start_snapshot text,
  -- The event at the head of the line, failing since then, and its attempts.
  failing_since timestamptz,
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  last_error text,
  last_delivered_at timestamptz,
  -- One process delivers to an endpoint at a time: its order depends on it.
  locked_by text,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, id)
);
-- The dispatcher's scan: enabled endpoints whose next attempt is due.
create index webhook_endpoints_due_idx on webhook_endpoints (next_attempt_at) where enabled;

-- The delivery log: every attempt, its answer or error. Pruned after 30 days.
create table webhook_deliveries (
  id uuid primary key,
  org_id uuid not null,
  endpoint_id uuid not null,
  event_id uuid not null,
  event_type text not null,
  attempt integer not null check (attempt >= 1),
  succeeded boolean not null,
  http_status integer,
  error text check (char_length(error) <= 1000),
  duration_ms integer not null check (duration_ms >= 0),
  -- Sent again on an admin's request, outside the feed's order.
  redelivery boolean not null default false,
  created_at timestamptz not null default now(),
  constraint webhook_deliveries_endpoint_fkey foreign key (org_id, endpoint_id)
    references webhook_endpoints (org_id, id) on delete cascade
);
create index webhook_deliveries_endpoint_idx on webhook_deliveries (org_id, endpoint_id, id desc);
create index webhook_deliveries_created_idx on webhook_deliveries (created_at);

-- Events an admin asked to send again; the dispatcher sends each once, before the feed's next.
create table webhook_redeliveries (
  id uuid primary key,
  org_id uuid not null,
  endpoint_id uuid not null,
  event_id uuid not null,
  created_at timestamptz not null default now(),
  constraint webhook_redeliveries_endpoint_fkey foreign key (org_id, endpoint_id)
    references webhook_endpoints (org_id, id) on delete cascade
);
create index webhook_redeliveries_endpoint_idx on webhook_redeliveries (endpoint_id, id);
