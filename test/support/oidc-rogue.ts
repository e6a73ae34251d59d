import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CryptoKey, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { serve } from './browser.ts';

/**
 * A hostile OpenID Provider: it looks like an OP (discovery, JWKS,
 * authorization, token and userinfo endpoints on 127.0.0.1) but each test
 * decides what it answers, so a relying party can be shown a forged ID
 * token, a mix-up `iss`, a wrong `state` or an error. It checks nothing a
 * client sends: codes are not single-use and client credentials are not
 * verified, so what a test sees is the client's own defences.
 */
export interface RogueTokenContext {
  /** The rogue OP's issuer. */
  readonly issuer: string;
  /** From the token request: basic auth, the post body, or the subject of a client assertion. */
  readonly clientId: string;
  /** The nonce the authorization request that issued the code carried. */
  readonly nonce: string | undefined;
  readonly code: string;
}

export interface RogueSigningKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: Record<string, unknown>;
  readonly kid: string;
}

/**
 * What a token builder returns. An object with `id_token`, `token_type` or
 * `error` is a token endpoint body and is answered as it is (with status 400
 * when it has `error`), so a test can leave out the ID token, send one that
 * is not a string, or refuse the code. Anything else is the claims of an ID
 * token, signed RS256 with the OP's own key and wrapped in a token response.
 */
export type RogueTokenAnswer = Record<string, unknown>;

export interface RogueOp {
  readonly issuer: string;
  /** The OP's own signing key (RS256), published in its JWKS. */
  readonly key: RogueSigningKey;
  /** What the token endpoint answers; by default a valid RS256 ID token for `sub: 'rogue-user'`, email `user@example.com`, email_verified true, with aud = client id, nonce echoed, iat now, exp in 5 minutes. */
  onToken(build: (ctx: RogueTokenContext) => Promise<RogueTokenAnswer> | RogueTokenAnswer): void;
  /**
   * Overrides for the authorization redirect back: e.g. a different `iss`,
   * no `iss`, a different `state`, or an `error` with `error_description`.
   * They are merged over `code`, `state` and `iss`; a value of undefined
   * leaves that parameter out, and an `error` leaves out `code` unless the
   * overrides give one.
   */
  onAuthorize(build: (params: URLSearchParams) => Record<string, string | undefined>): void;
  /** What the userinfo endpoint answers; by default `rogue-user` with email `user@example.com`, verified. */
  onUserinfo(
    build: (request: {
      authorization: string | undefined;
    }) => Promise<Record<string, unknown>> | Record<string, unknown>,
  ): void;
  /** Follows an authorization request URL: returns the redirect back to the client. */
  authorize(url: string): Promise<string>;
  /** Requests the token endpoint saw, for asserting e.g. code replay and client authentication. */
  readonly tokenRequests: { body: URLSearchParams; authorization: string | undefined }[];
  close(): Promise<void>;
}

export interface RogueOpOptions {
  /** Merged over the discovery document; a member set to undefined is left out of it. */
  readonly discovery?: Record<string, unknown>;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** An ID token signed with `key` (RS256 unless `alg` says otherwise; the key must suit the alg). */
export async function signedIdToken(
  claims: Record<string, unknown>,
  key: { privateKey: CryptoKey; kid: string },
  alg = 'RS256',
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

/** An ID token with `alg: none` and an empty signature. */
export function unsignedIdToken(claims: Record<string, unknown>): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

/** An ID token MACed with `secret`: with the client secret, the algorithm-confusion forgery. */
export async function hs256IdToken(claims: Record<string, unknown>, secret: string): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

/** The claims of a valid ID token for the token request in `ctx`. */
export function defaultClaims(ctx: RogueTokenContext): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ctx.issuer,
    sub: 'rogue-user',
    aud: ctx.clientId,
    iat: now,
    exp: now + 300,
    ...(ctx.nonce === undefined ? {} : { nonce: ctx.nonce }),
    email: 'user@example.com',
    email_verified: true,
  };
}

function isTokenResponse(answer: RogueTokenAnswer): boolean {
  return 'id_token' in answer || 'token_type' in answer || 'error' in answer;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The client a token request names, as an OP reads it: basic auth, then the body, then a client assertion. */
function clientIdOf(body: URLSearchParams, authorization: string | undefined): string {
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return decodeURIComponent((colon === -1 ? decoded : decoded.slice(0, colon)).replace(/\+/g, ' '));
  }
  const posted = body.get('client_id');
  if (posted) return posted;
  const assertion = body.get('client_assertion');
  if (assertion) {
    try {
      const sub = decodeJwt(assertion).sub;
      if (sub) return sub;
    } catch {
      // Not a JWT: the client is then unnamed, as it would be to a real OP.
    }
  }
  return '';
}

/** Starts the rogue OP on 127.0.0.1 and a free port. */
export async function startRogueOp(options: RogueOpOptions = {}): Promise<RogueOp> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomBytes(8).toString('hex');
  const key: RogueSigningKey = {
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    kid,
  };
  const codes = new Map<string, { nonce: string | undefined; state: string | undefined }>();
  const tokenRequests: RogueOp['tokenRequests'] = [];
  let buildToken: (ctx: RogueTokenContext) => Promise<RogueTokenAnswer> | RogueTokenAnswer = defaultClaims;
  let buildAuthorize: (params: URLSearchParams) => Record<string, string | undefined> = () => ({});
  let buildUserinfo: (request: {
    authorization: string | undefined;
  }) => Promise<Record<string, unknown>> | Record<string, unknown> = () => ({
    sub: 'rogue-user',
    email: 'user@example.com',
    email_verified: true,
  });
  let issuer = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    const authorization = req.headers.authorization;
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          userinfo_endpoint: `${issuer}/userinfo`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: [
            'client_secret_basic',
            'client_secret_post',
            'private_key_jwt',
          ],
          authorization_response_iss_parameter_supported: true,
          ...options.discovery,
        });
      case '/jwks':
        return json(res, 200, { keys: [key.publicJwk] });
      case '/authorize': {
        const params = url.searchParams;
        const redirectUri = params.get('redirect_uri');
        if (!redirectUri)
          return json(res, 400, { error: 'invalid_request', error_description: 'no redirect_uri' });
        const code = randomBytes(16).toString('base64url');
        codes.set(code, { nonce: params.get('nonce') ?? undefined, state: params.get('state') ?? undefined });
        const answer: Record<string, string | undefined> = {
          code,
          state: params.get('state') ?? undefined,
          iss: issuer,
        };
        const overrides = buildAuthorize(params);
        if ('error' in overrides && !('code' in overrides)) delete answer.code;
        Object.assign(answer, overrides);
        const target = new URL(redirectUri);
        for (const [name, value] of Object.entries(answer)) {
          if (value !== undefined) target.searchParams.set(name, value);
        }
        res.writeHead(302, { location: target.href });
        res.end();
        return;
      }
      case '/token': {
        if (req.method !== 'POST') return json(res, 405, { error: 'invalid_request' });
        const body = new URLSearchParams(await readBody(req));
        tokenRequests.push({ body, authorization });
        const code = body.get('code') ?? '';
        const answer = await buildToken({
          issuer,
          clientId: clientIdOf(body, authorization),
          nonce: codes.get(code)?.nonce,
          code,
        });
        if (isTokenResponse(answer)) return json(res, 'error' in answer ? 400 : 200, answer);
        return json(res, 200, {
          access_token: randomBytes(16).toString('base64url'),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: await signedIdToken(answer, key),
        });
      }
      case '/userinfo':
        return json(res, 200, await buildUserinfo({ authorization }));
      default:
        return json(res, 404, { error: 'not_found' });
    }
  }

  const server = await serve((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: 'server_error', error_description: String(error) });
      else res.end();
    });
  });
  issuer = `http://127.0.0.1:${server.port}`;

  return {
    issuer,
    key,
    onToken(build) {
      buildToken = build;
    },
    onAuthorize(build) {
      buildAuthorize = build;
    },
    onUserinfo(build) {
      buildUserinfo = build;
    },
    async authorize(url) {
      const res = await fetch(url, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) {
        throw new Error(`rogue OP answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
      }
      await res.body?.cancel();
      return new URL(location, url).href;
    },
    tokenRequests,
    close: () => server.close(),
  };
}
