import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import { serve } from './browser.ts';

/**
 * A real OpenID Provider in the test process: oidc-provider (the certified
 * Node OP) on 127.0.0.1 over plain http, whose login and consent complete by
 * themselves as the account the test chose. Sign-in tests run the code under
 * test against it as against Okta or Keycloak; attack tests that need an OP
 * to misbehave use oidc-rogue.ts instead.
 */
export interface TestOpAccount {
  readonly sub: string;
  /** Claims returned for this account: email, email_verified, given_name, family_name, name, groups, or anything else (e.g. `_claim_names`/`_claim_sources` for distributed claims, `hasgroups`). */
  readonly claims: Record<string, unknown>;
}

export interface TestOpClient {
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly redirectUris: readonly string[];
  readonly tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** For private_key_jwt: the client's public keys, inline or by URL. */
  readonly jwks?: { keys: Record<string, unknown>[] };
  readonly jwksUri?: string;
}

export interface TestOp {
  /** http://127.0.0.1:<port>, exactly as the `iss` claim carries it. */
  readonly issuer: string;
  /**
   * Which account the next authorization signs in as (the interaction completes without a form).
   * An OP session of another account is ended first, through oidc-provider's own logout form.
   */
  signInAs(sub: string): void;
  /** Adds or replaces an account. */
  setAccount(account: TestOpAccount): void;
  /** Adds a client after start (connections are created by the tests before they know their redirect URI). */
  addClient(client: TestOpClient): Promise<void>;
  /**
   * Follows an authorization request URL through the OP (login and consent done programmatically for the current account, cookies kept) and returns the URL the OP finally redirects the browser to (the client's redirect URI with code, state, iss — or with error).
   * It submits the OP's own self-posting forms as a browser's script would; a response that neither
   * redirects nor posts on within the OP (an error page, response_mode=form_post) throws with its body.
   */
  authorize(url: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestOpOptions {
  readonly accounts: readonly TestOpAccount[];
  readonly clients?: readonly TestOpClient[];
  /** Where account claims go: in the ID token (default) or only at the userinfo endpoint. */
  readonly claimsIn?: 'id_token' | 'userinfo';
}

// oidc-provider ships no type declarations; these are the parts used here.
interface InteractionDetails {
  readonly params: Record<string, unknown>;
  readonly prompt: {
    readonly name: string;
    readonly details: {
      readonly missingOIDCClaims?: string[];
      readonly missingResourceScopes?: Record<string, string[]>;
    };
  };
  readonly grantId?: string;
}

interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}

interface Provider {
  callback(): RequestListener;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options: { mergeWithLastSubmission: boolean },
  ): Promise<void>;
  readonly Grant: {
    new (init: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  };
  readonly Client: { validate(metadata: Record<string, unknown>): Promise<void> };
}

interface CheckContext {
  readonly oidc: { readonly session: { readonly accountId?: string } };
}

interface OidcProviderModule {
  readonly Provider: new (issuer: string, configuration: Record<string, unknown>) => Provider;
  readonly interactionPolicy: {
    base(): {
      get(name: string): { checks: { add(check: unknown): void } };
    };
    readonly Check: new (
      reason: string,
      description: string,
      check: (ctx: CheckContext) => boolean,
    ) => unknown;
  };
}

let loading: Promise<OidcProviderModule> | undefined;

/**
 * oidc-provider 9 asks for Node 22 and says so on import, once per process,
 * though it runs on the Node 20 this project supports; that one line is
 * dropped so test output keeps only what a test caused. The specifier goes
 * through a string so TypeScript does not look for declarations it lacks.
 */
function loadOidcProvider(): Promise<OidcProviderModule> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
    };
    try {
      return (await import('oidc-provider' as string)) as OidcProviderModule;
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}

interface Stored {
  readonly payload: Record<string, unknown>;
  readonly expiresAt: number | undefined;
}

/**
 * The storage oidc-provider's models (sessions, interactions, codes,
 * grants, clients) live in. Giving it one of our own, rather than its
 * development adapter, silences the warning that adapter prints on every
 * start, lets clients be added after start (the provider looks a client up
 * here when it has no static one), and survives rebuilding the provider.
 */
const grantable = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

function adapterOver(store: Map<string, Stored>) {
  const live = (key: string): Record<string, unknown> | undefined => {
    const stored = store.get(key);
    if (!stored) return undefined;
    if (stored.expiresAt !== undefined && stored.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return stored.payload;
  };
  const findBy = (model: string, field: string, value: string) => {
    for (const key of store.keys()) {
      if (!key.startsWith(`${model}:`)) continue;
      const payload = live(key);
      if (payload?.[field] === value) return payload;
    }
    return undefined;
  };
  return class TestOpAdapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      store.set(`${this.model}:${id}`, {
        payload,
        expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
      });
    }
    async find(id: string) {
      return live(`${this.model}:${id}`);
    }
    async findByUid(uid: string) {
      return findBy(this.model, 'uid', uid);
    }
    async findByUserCode(userCode: string) {
      return findBy(this.model, 'userCode', userCode);
    }
    async consume(id: string): Promise<void> {
      const payload = live(`${this.model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string): Promise<void> {
      store.delete(`${this.model}:${id}`);
    }
    // Only tokens die with their grant: an interaction also names the grant it started from.
    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of [...store.keys()]) {
        const model = key.slice(0, key.indexOf(':'));
        if (grantable.has(model) && store.get(key)?.payload.grantId === grantId) store.delete(key);
      }
    }
  };
}

const standardClaims = [
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'picture',
  'email',
  'email_verified',
  'locale',
  'zoneinfo',
  'updated_at',
  'groups',
];

/** The claim names an account releases, including those it only points to as distributed claims. */
function claimNamesOf(account: TestOpAccount): string[] {
  const names = Object.keys(account.claims).filter((n) => n !== '_claim_names' && n !== '_claim_sources');
  const distributed = account.claims._claim_names;
  if (distributed && typeof distributed === 'object') names.push(...Object.keys(distributed));
  return names;
}

function clientMetadata(client: TestOpClient): Record<string, unknown> {
  return {
    client_id: client.clientId,
    ...(client.clientSecret === undefined ? {} : { client_secret: client.clientSecret }),
    redirect_uris: [...client.redirectUris],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    ...(client.jwks === undefined ? {} : { jwks: client.jwks }),
    ...(client.jwksUri === undefined ? {} : { jwks_uri: client.jwksUri }),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
}

const esc = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const unescapeHtml = (v: string) =>
  v
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * The page oidc-provider answers when a browser must POST on by script:
 * signing in as another account than the session's first ends that session
 * through its logout confirmation, and a browser submits that form itself.
 */
function autoSubmittedForm(html: string): { action: string; inputs: URLSearchParams } | undefined {
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  if (action === undefined || !html.includes('document.forms[0].submit()')) return undefined;
  const inputs = new URLSearchParams();
  for (const [, name = '', value = ''] of html.matchAll(
    /<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g,
  )) {
    inputs.append(unescapeHtml(name), unescapeHtml(value));
  }
  return { action: unescapeHtml(action), inputs };
}

/** A browser-like cookie jar for one OP: name, value and path, nothing else matters on one host. */
class CookieJar {
  readonly #cookies = new Map<string, { value: string; path: string }>();

  store(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attribute = (key: string) =>
        attributes
          .find((a) => a.toLowerCase().startsWith(`${key}=`))
          ?.slice(key.length + 1)
          .trim();
      const maxAge = attribute('max-age');
      const expires = attribute('expires');
      const expired =
        value === '' ||
        (maxAge !== undefined && Number(maxAge) <= 0) ||
        (expires !== undefined && Date.parse(expires) <= Date.now());
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, { value, path: attribute('path') ?? '/' });
    }
  }

  header(url: URL): string {
    return [...this.#cookies]
      .filter(([, c]) => url.pathname.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }
}

/** Starts the OP on 127.0.0.1 and a free port; the first account is the one signed in until signInAs says otherwise. */
export async function startTestOp(options: TestOpOptions): Promise<TestOp> {
  const { Provider, interactionPolicy } = await loadOidcProvider();
  const accounts = new Map(options.accounts.map((a) => [a.sub, a]));
  let current = options.accounts[0]?.sub ?? '';
  const claimsIn = options.claimsIn ?? 'id_token';
  const store = new Map<string, Stored>();
  const Adapter = adapterOver(store);

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: randomBytes(8).toString('hex'),
    alg: 'RS256',
    use: 'sig',
  };

  let provider: Provider | undefined;
  let handle: RequestListener | undefined;
  const jar = new CookieJar();

  const server = await serve((req, res) => {
    if (!provider || !handle) {
      res.writeHead(503).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://op').pathname;
    if (req.method === 'GET' && /^\/interaction\/[^/]+$/.test(path)) {
      finishInteraction(provider, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`test OP interaction failed: ${error instanceof Error ? error.message : String(error)}`);
      });
      return;
    }
    handle(req, res);
  });
  const issuer = `http://127.0.0.1:${server.port}`;

  /**
   * Login and consent in one step, for whichever account the test chose:
   * the login result names the account and the consent result a Grant of
   * every scope asked, so the authorization resumes with nothing left to
   * ask. A Grant is reused only at a consent prompt, where it already
   * belongs to the signed-in account; after a login it may be another's.
   */
  async function finishInteraction(p: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await p.interactionDetails(req, res);
    const account = accounts.get(current);
    if (!account) {
      await p.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: `the test OP has no account ${current}` },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const { prompt, params } = details;
    const existing =
      prompt.name === 'consent' && details.grantId ? await p.Grant.find(details.grantId) : undefined;
    const grant = existing ?? new p.Grant({ accountId: account.sub, clientId: String(params.client_id) });
    if (typeof params.scope === 'string') grant.addOIDCScope(params.scope);
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await p.interactionFinished(
      req,
      res,
      {
        ...(prompt.name === 'login' ? { login: { accountId: account.sub } } : {}),
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    );
  }

  let claimNames = new Set<string>();

  /**
   * The provider releases a claim only when some scope in its `claims`
   * configuration names it, and that configuration is fixed when the
   * provider is built. Every claim an account has is put under `openid`,
   * which every sign-in asks for: the account decides what the OP releases,
   * as an administrator's claim mapping does at Entra or Keycloak, where
   * groups arrive without a groups scope. Because `openid` is the scope
   * conformIdTokenClaims narrows the ID token to, that setting can stay at
   * its default; which of ID token and userinfo carry the claims is decided
   * in findAccount by the `use` it is called with. A new claim name on a
   * later account rebuilds the provider over the same storage, keys and
   * cookie names, so sessions and interactions in flight carry on.
   */
  function build(): void {
    claimNames = new Set([...standardClaims, ...[...accounts.values()].flatMap(claimNamesOf)]);
    const policy = interactionPolicy.base();
    // The session cookie would otherwise keep the previous account signed in.
    policy
      .get('login')
      .checks.add(
        new interactionPolicy.Check(
          'test_op_account_changed',
          'the test OP signs in as another account now',
          (ctx) => ctx.oidc.session.accountId !== undefined && ctx.oidc.session.accountId !== current,
        ),
      );
    const prefix = `op${server.port}`;
    const built = new Provider(issuer, {
      adapter: Adapter,
      jwks: { keys: [signingKey] },
      claims: {
        openid: ['sub', ...claimNames],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name'],
        groups: ['groups'],
      },
      async findAccount(_ctx: unknown, sub: string) {
        const account = accounts.get(sub);
        if (!account) return undefined;
        return {
          accountId: sub,
          async claims(use: string) {
            if (use === 'id_token' && claimsIn === 'userinfo') return { sub };
            return { ...account.claims, sub };
          },
        };
      },
      interactions: { policy },
      features: {
        devInteractions: { enabled: false },
        userinfo: { enabled: true },
      },
      pkce: { required: () => true },
      // Cookies ignore the port: two OPs (or the app) on 127.0.0.1 would share names.
      // Nothing is needed for plain http: oidc-provider marks cookies secure only
      // when the request is (ctx.secure), and Koa's `proxy` stays off with no proxy in front.
      cookies: {
        names: {
          session: `${prefix}_session`,
          interaction: `${prefix}_interaction`,
          resume: `${prefix}_resume`,
        },
      },
      // Set, like renderError below, because oidc-provider's defaults print a notice when first used.
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        IdToken: 600,
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
      },
      // oidc-provider hands its fetch a dispatcher that refuses special-use addresses
      // (SSRF protection), loopback included; a client's jwks_uri here is on 127.0.0.1.
      fetch: (url: string | URL, init: RequestInit & { dispatcher?: unknown }) => {
        const { dispatcher: _ssrfGuard, ...rest } = init;
        return fetch(url, rest);
      },
      async renderError(ctx: { type: string; body: string }, out: Record<string, string>) {
        ctx.type = 'html';
        ctx.body = `<!DOCTYPE html><title>test OP error</title>${Object.entries(out)
          .map(([k, v]) => `<p>${esc(k)}: ${esc(String(v))}</p>`)
          .join('')}`;
      },
    });
    provider = built;
    handle = built.callback();
  }

  build();

  async function addClient(client: TestOpClient): Promise<void> {
    const metadata = clientMetadata(client);
    await provider?.Client.validate(metadata);
    await new Adapter('Client').upsert(client.clientId, metadata);
  }

  for (const client of options.clients ?? []) await addClient(client);

  return {
    issuer,
    signInAs(sub) {
      current = sub;
    },
    setAccount(account) {
      accounts.set(account.sub, account);
      if (claimNamesOf(account).some((n) => !claimNames.has(n))) build();
    },
    addClient,
    async authorize(url) {
      let next = new URL(url);
      let form: URLSearchParams | undefined;
      for (let hop = 0; hop < 20; hop++) {
        if (next.origin !== issuer) return next.href;
        const cookie = jar.header(next);
        const res = await fetch(next, {
          redirect: 'manual',
          headers: cookie ? { cookie } : {},
          ...(form ? { method: 'POST', body: form } : {}),
        });
        jar.store(res.headers.getSetCookie());
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel();
          next = new URL(location, next);
          form = undefined;
          continue;
        }
        const body = await res.text();
        const submitted = res.status === 200 ? autoSubmittedForm(body) : undefined;
        if (!submitted || new URL(submitted.action, next).origin !== issuer) {
          throw new Error(`test OP answered ${res.status} at ${next.pathname}: ${body.slice(0, 500)}`);
        }
        next = new URL(submitted.action, next);
        form = submitted.inputs;
      }
      throw new Error('test OP: too many redirects');
    },
    close: () => server.close(),
  };
}
