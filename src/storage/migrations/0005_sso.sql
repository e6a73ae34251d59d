-- Single sign-on: connections' SAML and OIDC settings, the email domains
-- they serve, sign-ins in flight, the replay guard, the keys that sign
-- session tokens, and the sessions themselves.

alter table connections
  add column name text not null default '' check (char_length(name) <= 200),
  -- Whether a first sign-in creates the user.
  add column jit boolean not null default true,
  -- SAML: whether a response no AuthnRequest asked for is accepted.
  add column allow_idp_initiated boolean not null default false,
  -- Attribute (SAML) or claim (OIDC) names read instead of the provider's preset.
  add column attribute_mapping jsonb not null default '{}',
  add column groups_attribute text check (char_length(groups_attribute) between 1 and 400),
  -- The protocol's settings as JSON: SAML's IdP (entityId, ssoUrl, sloUrl, certificates) and
  -- options; OIDC's issuer, clientId, client auth method and scopes. Never a secret.
  add column settings jsonb not null default '{}',
  -- Secrets sealed with MASTER_KEY: SAML SP private keys, an OIDC client secret or private key.
  add column sealed_secrets text,
  -- A metadata URL or OIDC issuer is re-read daily; the last read and its error.
  add column metadata_url text check (char_length(metadata_url) <= 2000),
  add column metadata_fetched_at timestamptz,
  add column metadata_error text,
  -- Conditions an admin should know of, such as sign-ins whose groups the IdP cut short.
  add column health jsonb not null default '{}';
-- The connections whose metadata is re-read daily, found at start-up when a refresh job went missing.
create index connections_metadata_url_idx on connections (id) where metadata_url is not null;

-- The email domains a connection signs people in for. A domain belongs to
-- one connection of one org: the primary key says so. Until the org proves
-- it owns the domain (a DNS TXT record), a sign-in may create users but
-- never link to an existing account.
create table connection_domains (
  domain text primary key check (domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
  org_id uuid not null,
  connection_id uuid not null,
  -- The value the org publishes at _muster-verification.<domain>.
  verification_token text not null,
  verified_at timestamptz,
  created_at timestamptz not null default now(),
  constraint connection_domains_connection_fkey foreign key (org_id, connection_id)
    references connections (org_id, id) on delete cascade
);
create index connection_domains_connection_idx on connection_domains (org_id, connection_id);

-- A sign-in between its start (/sso/login) and its end (ACS or callback):
-- kept here, not in a cookie, because the IdP's cross-site POST to the ACS
-- carries no SameSite=Lax cookie, and so that any Muster process can end it.
-- Single use: consumed_at is set once, atomically.
create table login_transactions (
  id uuid primary key,
  org_id uuid not null,
  connection_id uuid not null,
  -- SAML: the AuthnRequest ID sent. OIDC: the state sent (its SHA-256).
  request_key text not null,
  -- OIDC: nonce and PKCE verifier, sealed.
  sealed_secrets text,
  -- The SHA-256 of the random value in the browser's login cookie, where one could be set.
  browser_binding text,
  return_to text check (char_length(return_to) <= 2000),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  consumed_at timestamptz,
  constraint login_transactions_connection_fkey foreign key (org_id, connection_id)
    references connections (org_id, id) on delete cascade,
  constraint login_transactions_request_key unique (connection_id, request_key)
);
create index login_transactions_expires_idx on login_transactions (expires_at);

-- Assertions accepted, kept until they expire, so none is accepted twice by
-- any process.
create table saml_assertions (
  connection_id uuid not null references connections (id) on delete cascade,
  assertion_id text not null check (char_length(assertion_id) between 1 and 400),
  expires_at timestamptz not null,
  constraint saml_assertions_pkey primary key (connection_id, assertion_id)
);
create index saml_assertions_expires_idx on saml_assertions (expires_at);

-- Keys that sign session tokens (ES256). The newest unretired key signs;
-- retired keys stay published in the JWKS until every token they signed has
-- expired.
create table signing_keys (
  kid text primary key check (char_length(kid) between 1 and 100),
  algorithm text not null default 'ES256' check (algorithm = 'ES256'),
  -- PKCS#8 PEM, sealed with MASTER_KEY.
  sealed_private_key text not null,
  public_jwk jsonb not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz
);

-- A signed-in browser. The session token (a JWT) names it; revoking the row
-- ends the session at once, wherever the token is presented to Muster.
create table sessions (
  id uuid primary key,
  org_id uuid not null,
  user_id uuid not null,
  connection_id uuid,
  -- The sign-in that made it: the cause its grants name.
  login_id uuid not null,
  -- SAML: the IdP's session, for Single Logout.
  idp_session_index text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  constraint sessions_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade,
  -- A deleted connection's sessions are revoked first; the row then forgets it.
  constraint sessions_connection_fkey foreign key (connection_id) references connections (id) on delete set null
);
create index sessions_user_idx on sessions (org_id, user_id);
create index sessions_connection_idx on sessions (connection_id) where connection_id is not null;

-- Where the application behind Muster lives: returnTo may point there.
alter table orgs add column app_urls text[] not null default '{}';
