-- Counts per directory move off the directory row into 16 shards. Every
-- SCIM create used to update that one row, so creates in a directory queued
-- behind each other's commits, and the row's dead versions slowed every
-- token lookup that read it. A write now adds to one shard, picked from the
-- new row's id; a count is the sum of the shards (16 rows by primary key).
-- A shard may go below zero when a row is removed through another shard
-- than the one that counted it; the sum never does.
create table directory_counters (
  org_id uuid not null,
  directory_id uuid not null,
  shard smallint not null check (shard between 0 and 15),
  user_count integer not null default 0,
  group_count integer not null default 0,
  constraint directory_counters_pkey primary key (directory_id, shard),
  constraint directory_counters_directory_fkey foreign key (org_id, directory_id)
    references directories (org_id, id) on delete cascade
);

insert into directory_counters (org_id, directory_id, shard, user_count, group_count)
  select org_id, id, 0, user_count, group_count from directories;

alter table directories drop column user_count, drop column group_count;

-- An initial sync inserts a directory's users in minutes; plans for its pages
-- and lookups need statistics long before the default 20% of new rows, and
-- index-only scans need the visibility map set by vacuum.
alter table scim_users set (autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
alter table scim_groups set (autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
alter table scim_group_members set (autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
alter table users set (autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
