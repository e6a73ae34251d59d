-- The admin API lists a directory's groups for picking one to map, in name
-- order, searched by the start of the name whatever its case. The index is
-- on the lowered name in bytewise ("C") order, which the queries ask for by
-- name: a prefix is then one range of it and pages follow it, under any
-- database collation. (The unique index on lower(display_name) uses the
-- database's collation, which serves LIKE 'x%' only when that is C.)
create index scim_groups_name_search_idx on scim_groups (directory_id, (lower(display_name) collate "C"));
