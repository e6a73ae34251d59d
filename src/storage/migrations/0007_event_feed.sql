-- The events feed reads the audit log, which every change already writes in
-- its own transaction: an event exists exactly when its change committed.
-- Ids alone cannot order a feed that readers follow with a cursor, since a
-- transaction that began earlier may commit later with smaller ids; the
-- transaction id can, together with the horizon of transactions still
-- running (pg_snapshot_xmin), below which no new row can appear.
alter table audit_events add column txid xid8 not null default pg_current_xact_id();
create index audit_events_feed_idx on audit_events (org_id, txid, id);
