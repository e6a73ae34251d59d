import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as client from 'openid-client';
import { serve } from '../../support/browser.ts';
import { startTestOp, type TestOp, type TestOpAccount } from '../../support/oidc-op.ts';
import {
  defaultClaims,
  hs256IdToken,
  type RogueOp,
  signedIdToken,
  startRogueOp,
  unsignedIdToken,
} from '../../support/oidc-rogue.ts';

/**
 * The OIDC test OPs, proven with openid-client as the relying party: the
 * in-process oidc-provider signs people in and releases their claims as
 * IdPs do, and the rogue OP's forgeries are what a careful client refuses.
 */

const redirectUri = 'http://127.0.0.1:9/callback';

const alice: TestOpAccount = {
  sub: 'alice-sub',
  claims: {
    email: 'alice@x.test',
    email_verified: true,
    given_name: 'Alice',
    family_name: 'Liddell',
    name: 'Alice Liddell',
    groups: ['engineering', 'admins'],
  },
};

const bob: TestOpAccount = {
  sub: 'bob-sub',
  claims: { email: 'bob@x.test', email_verified: true, groups: ['sales'] },
};

async function configFor(
  issuer: string,
  clientId: string,
  auth: client.ClientAuth,
  metadata: Partial<client.ClientMetadata> = {},
): Promise<client.Configuration> {
  const config = await client.discovery(new URL(issuer), clientId, metadata, auth, {
    execute: [client.allowInsecureRequests],
  });
  client.enableNonRepudiationChecks(config);
  return config;
}

/** One authorization request through `follow` and the code exchange, as a relying party makes them. */
async function signIn(
  config: client.Configuration,
  follow: (url: string) => Promise<string>,
  scope = 'openid email profile',
) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = new URL(await follow(url.href));
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  return { callback, tokens, claims: tokens.claims() };
}

/** Why openid-client refused: its error code and the failed check's message. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; cause?: { message?: string } };
    return `${e.code}: ${e.cause?.message}`;
  }
  assert.fail('openid-client accepted it');
}

describe('test OP (oidc-provider)', () => {
  const ops: TestOp[] = [];
  after(() => Promise.all(ops.map((op) => op.close())));
  const start = async (...args: Parameters<typeof startTestOp>) => {
    const op = await startTestOp(...args);
    ops.push(op);
    return op;
  };

  it('signs in with client_secret_basic, puts the account claims in the ID token and iss in the response', async () => {
    const op = await start({
      accounts: [alice],
      clients: [
        {
          clientId: 'basic',
          clientSecret: 'basic-secret',
          redirectUris: [redirectUri],
          tokenEndpointAuthMethod: 'client_secret_basic',
        },
      ],
    });
    const config = await configFor(op.issuer, 'basic', client.ClientSecretBasic('basic-secret'));
    assert.equal(config.serverMetadata().authorization_response_iss_parameter_supported, true);
    assert.equal(config.serverMetadata().issuer, op.issuer);

    const { callback, claims } = await signIn(config, op.authorize);
    assert.equal(callback.origin + callback.pathname, redirectUri);
    assert.equal(callback.searchParams.get('iss'), op.issuer);
    assert.ok(callback.searchParams.get('code'));
    assert.equal(claims?.iss, op.issuer);
    assert.equal(claims?.sub, 'alice-sub');
    assert.equal(claims?.aud, 'basic');
    assert.equal(claims?.email, 'alice@x.test');
    assert.equal(claims?.email_verified, true);
    assert.equal(claims?.given_name, 'Alice');
    // Asked for no groups scope: groups come by the account's configuration, as at Entra or Keycloak.
    assert.deepEqual(claims?.groups, ['engineering', 'admins']);
  });

  it('puts only sub in the ID token and the claims at userinfo when told to', async () => {
    const op = await start({
      accounts: [alice],
      claimsIn: 'userinfo',
      clients: [
        {
          clientId: 'ui',
          clientSecret: 'ui-secret',
          redirectUris: [redirectUri],
          tokenEndpointAuthMethod: 'client_secret_basic',
        },
      ],
    });
    const config = await configFor(op.issuer, 'ui', client.ClientSecretBasic('ui-secret'));
    const { tokens, claims } = await signIn(config, op.authorize);
    assert.equal(claims?.sub, 'alice-sub');
    assert.equal(claims?.email, undefined);
    assert.equal(claims?.groups, undefined);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'alice-sub');
    assert.equal(userinfo.email, 'alice@x.test');
    assert.deepEqual(userinfo.groups, ['engineering', 'admins']);
  });

  it('takes a client_secret_post client added after start, and a new claim name on a later account', async () => {
    const op = await start({ accounts: [alice] });
    await op.addClient({
      clientId: 'post',
      clientSecret: 'post-secret',
      redirectUris: [redirectUri],
      tokenEndpointAuthMethod: 'client_secret_post',
    });
    op.setAccount({ sub: 'carol-sub', claims: { email: 'carol@x.test', hasgroups: true } });
    op.signInAs('carol-sub');
    const config = await configFor(op.issuer, 'post', client.ClientSecretPost('post-secret'));
    const { claims } = await signIn(config, op.authorize);
    assert.equal(claims?.sub, 'carol-sub');
    assert.equal(claims?.hasgroups, true);
  });

  it('refuses a client that authenticates with the wrong secret', async () => {
    const op = await start({
      accounts: [alice],
      clients: [
        {
          clientId: 'basic',
          clientSecret: 'right',
          redirectUris: [redirectUri],
          tokenEndpointAuthMethod: 'client_secret_basic',
        },
      ],
    });
    const config = await configFor(op.issuer, 'basic', client.ClientSecretBasic('wrong'));
    // oidc-provider answers a failed client_secret_basic with 401 and a WWW-Authenticate challenge.
    await assert.rejects(signIn(config, op.authorize), (error: client.WWWAuthenticateChallengeError) => {
      assert.equal(error.code, 'OAUTH_WWW_AUTHENTICATE_CHALLENGE');
      assert.equal(error.status, 401);
      assert.equal(error.cause[0]?.parameters.error, 'invalid_client');
      return true;
    });
  });

  it('authenticates private_key_jwt clients by inline jwks and by a jwks_uri on loopback', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'client-key', alg: 'RS256', use: 'sig' };
    const jwksServer = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    after(() => jwksServer.close());
    const op = await start({
      accounts: [alice],
      clients: [
        {
          clientId: 'inline',
          redirectUris: [redirectUri],
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: { keys: [jwk] },
        },
        {
          clientId: 'by-uri',
          redirectUris: [redirectUri],
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwksUri: `http://127.0.0.1:${jwksServer.port}/jwks`,
        },
      ],
    });
    for (const clientId of ['inline', 'by-uri']) {
      const auth = client.PrivateKeyJwt({ key: privateKey, kid: 'client-key' });
      const config = await configFor(op.issuer, clientId, auth);
      const { claims } = await signIn(config, op.authorize);
      assert.equal(claims?.aud, clientId);
      assert.equal(claims?.email, 'alice@x.test');
    }
  });

  it('signs in as whichever account is chosen next, though its session cookie names another', async () => {
    const op = await start({
      accounts: [alice, bob],
      clients: [
        {
          clientId: 'basic',
          clientSecret: 's',
          redirectUris: [redirectUri],
          tokenEndpointAuthMethod: 'client_secret_basic',
        },
      ],
    });
    const config = await configFor(op.issuer, 'basic', client.ClientSecretBasic('s'));
    assert.equal((await signIn(config, op.authorize)).claims?.sub, 'alice-sub');
    assert.equal((await signIn(config, op.authorize)).claims?.sub, 'alice-sub');
    op.signInAs('bob-sub');
    const { claims } = await signIn(config, op.authorize);
    assert.equal(claims?.sub, 'bob-sub');
    assert.deepEqual(claims?.groups, ['sales']);
  });

  it('answers with an error: access_denied for an unknown account, invalid_request without PKCE', async () => {
    const op = await start({
      accounts: [alice],
      clients: [
        {
          clientId: 'basic',
          clientSecret: 's',
          redirectUris: [redirectUri],
          tokenEndpointAuthMethod: 'client_secret_basic',
        },
      ],
    });
    const config = await configFor(op.issuer, 'basic', client.ClientSecretBasic('s'));
    const base = { redirect_uri: redirectUri, scope: 'openid', state: 'st' };

    const noPkce = new URL(await op.authorize(client.buildAuthorizationUrl(config, base).href));
    assert.equal(noPkce.searchParams.get('error'), 'invalid_request');
    assert.match(noPkce.searchParams.get('error_description') ?? '', /PKCE/);
    assert.equal(noPkce.searchParams.get('iss'), op.issuer);
    assert.equal(noPkce.searchParams.get('state'), 'st');

    op.signInAs('nobody');
    const withPkce = {
      ...base,
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    };
    const denied = new URL(await op.authorize(client.buildAuthorizationUrl(config, withPkce).href));
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('code'), null);
    assert.equal(denied.searchParams.get('iss'), op.issuer);
  });
});

describe('rogue OP', () => {
  const rogues: RogueOp[] = [];
  after(() => Promise.all(rogues.map((r) => r.close())));
  const start = async () => {
    const rogue = await startRogueOp();
    rogues.push(rogue);
    return rogue;
  };
  const secret = 'client-secret-of-rp';
  const configOn = (rogue: RogueOp) => configFor(rogue.issuer, 'rp', client.ClientSecretBasic(secret));

  it('answers a valid ID token by default, and records the token request', async () => {
    const rogue = await start();
    const { claims } = await signIn(await configOn(rogue), rogue.authorize);
    assert.equal(claims?.sub, 'rogue-user');
    assert.equal(claims?.email, 'user@example.com');
    assert.equal(rogue.tokenRequests.length, 1);
    assert.match(rogue.tokenRequests[0]?.authorization ?? '', /^Basic /);
    assert.ok(rogue.tokenRequests[0]?.body.get('code_verifier'));
  });

  it('is refused with an alg none ID token', async () => {
    const rogue = await start();
    rogue.onToken((ctx) => ({
      access_token: 'at',
      token_type: 'Bearer',
      id_token: unsignedIdToken(defaultClaims(ctx)),
    }));
    assert.match(
      await refusal(signIn(await configOn(rogue), rogue.authorize)),
      /^OAUTH_INVALID_RESPONSE: unexpected JWT "alg" header parameter$/,
    );
  });

  it('is refused with an ID token MACed HS256 with the client secret', async () => {
    const rogue = await start();
    rogue.onToken(async (ctx) => ({
      access_token: 'at',
      token_type: 'Bearer',
      id_token: await hs256IdToken(defaultClaims(ctx), secret),
    }));
    assert.match(
      await refusal(signIn(await configOn(rogue), rogue.authorize)),
      /^OAUTH_INVALID_RESPONSE: unexpected JWT "alg" header parameter$/,
    );
  });

  it('is refused with an ID token signed by another key under its own kid', async () => {
    const rogue = await start();
    const { privateKey } = await generateKeyPair('RS256');
    rogue.onToken(async (ctx) => ({
      access_token: 'at',
      token_type: 'Bearer',
      id_token: await signedIdToken(defaultClaims(ctx), { privateKey, kid: rogue.key.kid }),
    }));
    assert.match(
      await refusal(signIn(await configOn(rogue), rogue.authorize)),
      /^OAUTH_INVALID_RESPONSE: JWT signature verification failed$/,
    );
    // openid-client checks an ID token's signature only when told to: the code under test must enable it.
    const trusting = await client.discovery(
      new URL(rogue.issuer),
      'rp',
      {},
      client.ClientSecretBasic(secret),
      { execute: [client.allowInsecureRequests] },
    );
    assert.equal((await signIn(trusting, rogue.authorize)).claims?.sub, 'rogue-user');
  });

  it('is refused when the authorization response carries another issuer', async () => {
    const rogue = await start();
    rogue.onAuthorize(() => ({ iss: 'https://op.example.com' }));
    assert.match(
      await refusal(signIn(await configOn(rogue), rogue.authorize)),
      /^OAUTH_INVALID_RESPONSE: unexpected "iss" \(issuer\) response parameter value$/,
    );
    assert.equal(rogue.tokenRequests.length, 0);
  });
});
