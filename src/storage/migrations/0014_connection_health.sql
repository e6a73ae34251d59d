-- Connection health: the newest sign-in through each connection, shown with
-- every connection an admin lists. This index answers it with one probe per
-- connection rather than a walk over all of the connection's identities.
create index sso_identities_last_login_idx on sso_identities (org_id, connection_id, last_login_at desc);
