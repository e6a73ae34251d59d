import * as client from 'openid-client';
import { FetchRefused } from '../../infra/fetch/index.ts';
import { claimsAsText, readOidcClaims } from './claims.ts';
import { clientSigningKey } from './client-key.ts';
import { type IssuerCache, requestOptions } from './discovery.ts';
import { OidcError } from './errors.ts';
import { oidcPresets } from './presets.ts';
import type { OidcAnswer, OidcConnection } from './types.ts';

/** What a sign-in keeps server-side between its start and the IdP's answer. */
export interface AuthorizationSecrets {
  readonly nonce: string;
  readonly codeVerifier: string;
}

async function clientAuthentication(connection: OidcConnection, tokenEndpoint: string | undefined) {
  const auth = connection.clientAuth;
  if (auth.method !== 'private_key_jwt')
    return auth.method === 'client_secret_basic'
      ? client.ClientSecretBasic(auth.secret)
      : client.ClientSecretPost(auth.secret);
  const signing = await clientSigningKey(auth.key);
  return client.PrivateKeyJwt(signing, {
    // Entra finds the key by the certificate's thumbprint (the kid); Entra and Okta want the token endpoint as audience.
    [client.modifyAssertion]: (header, payload) => {
      header['x5t#S256'] = signing.kid;
      if (tokenEndpoint) payload.aud = tokenEndpoint;
    },
  });
}

/** openid-client's view of one connection, on the issuer's cached discovery and keys. */
async function configurationFor(issuers: IssuerCache, connection: OidcConnection) {
  const discovered = await issuers.discover(connection.issuer);
  const metadata = discovered.metadata;
  const config = new client.Configuration(
    metadata,
    connection.clientId,
    { [client.clockTolerance]: connection.clockSkewSeconds },
    await clientAuthentication(connection, metadata.token_endpoint),
  );
  const options = requestOptions(issuers.network, connection.issuer);
  config[client.customFetch] = options[client.customFetch];
  config.timeout = options.timeout;
  for (const extension of options.execute) extension(config);
  // Without it, an ID token from the token endpoint is taken on TLS alone and its signature never checked.
  client.enableNonRepudiationChecks(config);
  if (discovered.jwks) client.setJwksCache(config, discovered.jwks);
  return {
    config,
    keepKeys: () => {
      discovered.jwks = client.getJwksCache(config);
    },
  };
}

function scopesFor(connection: OidcConnection, supported: readonly string[] | undefined): string {
  if (connection.scopes) return connection.scopes.join(' ');
  const preset = oidcPresets[connection.provider].scopes;
  // Beyond the standard three, a preset's scope is asked only where the IdP lists it: Okta's custom
  // authorization servers refuse a sign-in asking an unknown `groups`.
  const standard = new Set(['openid', 'profile', 'email']);
  return preset.filter((s) => standard.has(s) || supported?.includes(s)).join(' ');
}

/** The authorization request (code flow, PKCE S256, state, nonce) and what to keep for its answer. */
export async function beginAuthorization(
  issuers: IssuerCache,
  connection: OidcConnection,
  state: string,
): Promise<{ url: URL; secrets: AuthorizationSecrets }> {
  const { config } = await configurationFor(issuers, connection);
  const secrets = { nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: connection.redirectUri,
    response_type: 'code',
    scope: scopesFor(connection, config.serverMetadata().scopes_supported),
    state,
    nonce: secrets.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(secrets.codeVerifier),
    code_challenge_method: 'S256',
  });
  return { url, secrets };
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e && chain.length < 10; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

// An answer that is no answer (a 503 page, HTML where JSON belongs, a timeout) is the IdP being down, not an attack.
const outage = new Set(['OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON', 'OAUTH_TIMEOUT']);

function unreachable(error: unknown): boolean {
  if (error instanceof FetchRefused) return true;
  if (error instanceof TypeError && error.message === 'fetch failed') return true;
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return (typeof code === 'string' && outage.has(code)) || name === 'TimeoutError' || name === 'AbortError';
}

/** What openid-client refused, as a reason; the innermost message says why. */
function refusal(error: unknown, what: 'code' | 'userinfo'): OidcError {
  const chain = causes(error);
  const innermost = [...chain].reverse().find((e) => e instanceof Error) as Error | undefined;
  const why = innermost?.message ?? 'unknown error';
  if (error instanceof OidcError) return error;
  if (chain.some(unreachable))
    return new OidcError('oidc_idp_unavailable', `The identity provider could not be reached: ${why}`, {
      cause: error,
    });
  if (error instanceof client.ResponseBodyError)
    return new OidcError(
      'oidc_code_rejected',
      `The identity provider refused the sign-in's code: ${error.error}${error.error_description ? ` (${error.error_description.slice(0, 200)})` : ''}`,
      { cause: error },
    );
  if (error instanceof client.WWWAuthenticateChallengeError)
    return new OidcError(
      'oidc_code_rejected',
      "The identity provider refused Muster's client credentials: check the connection's client secret or key",
      { cause: error },
    );
  if (/"iss" \(issuer\) response parameter|response parameter "iss"/.test(why))
    return new OidcError(
      'oidc_issuer_mismatch',
      `The answer did not come from this connection's issuer: ${why}`,
      {
        cause: error,
      },
    );
  if (what === 'userinfo')
    return new OidcError('oidc_userinfo_invalid', `The identity provider's userinfo was refused: ${why}`, {
      cause: error,
    });
  return new OidcError('oidc_id_token_invalid', `The ID token was refused: ${why}`, { cause: error });
}

/**
 * An answer's `iss` (RFC 9207), checked before anything of it is shown: an
 * error answer from another IdP must not put its words on this
 * connection's page. openid-client checks it on the answers it takes.
 */
export async function checkAnswerIssuer(
  issuers: IssuerCache,
  connection: OidcConnection,
  iss: string | undefined,
): Promise<void> {
  const { metadata } = await issuers.discover(connection.issuer);
  const expected = metadata.authorization_response_iss_parameter_supported === true;
  if (iss === undefined ? expected : iss !== metadata.issuer)
    throw new OidcError(
      'oidc_issuer_mismatch',
      iss === undefined
        ? "The answer names no issuer, though this connection's IdP always does"
        : "The answer did not come from this connection's issuer",
    );
}

/**
 * The IdP's answer at the redirect URI, turned into who signed in: the
 * authorization response checked (state, RFC 9207 `iss`), the code
 * exchanged with the PKCE verifier, the ID token validated by openid-client
 * (signature against the IdP's JWKS with asymmetric algorithms only, iss,
 * aud, azp, exp, iat, nonce), the userinfo read and merged; every claim
 * is kept as text besides, for a test sign-in to show.
 */
export async function completeAuthorization(
  issuers: IssuerCache,
  connection: OidcConnection,
  answer: { readonly currentUrl: URL; readonly state: string; readonly secrets: AuthorizationSecrets },
): Promise<OidcAnswer> {
  const { config, keepKeys } = await configurationFor(issuers, connection);
  let idToken: client.IDToken;
  let accessToken: string;
  try {
    const tokens = await client.authorizationCodeGrant(config, answer.currentUrl, {
      pkceCodeVerifier: answer.secrets.codeVerifier,
      expectedState: answer.state,
      expectedNonce: answer.secrets.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new OidcError('oidc_id_token_invalid', 'The identity provider sent no ID token');
    idToken = claims;
    accessToken = tokens.access_token;
  } catch (error) {
    throw refusal(error, 'code');
  } finally {
    keepKeys();
  }
  let userinfo: Record<string, unknown> | null = null;
  if (config.serverMetadata().userinfo_endpoint) {
    try {
      userinfo = await client.fetchUserInfo(config, accessToken, idToken.sub);
    } catch (error) {
      // A sign-in without the groups userinfo carries would take grants back: refuse it instead.
      throw refusal(error, 'userinfo');
    }
  }
  return { ...readOidcClaims(connection, idToken, userinfo), attributes: claimsAsText(idToken, userinfo) };
}
