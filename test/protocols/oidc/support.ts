import assert from 'node:assert/strict';
import type supertest from 'supertest';
import type { TestApp } from '../../support/app.ts';

/** An OIDC connection as the admin API answers its creation. */
export interface OidcConnection {
  readonly id: string;
  readonly redirectUri: string;
  readonly oidc: { readonly jwksUri: string; readonly clientCertificate: string | null };
}

export async function connectOidc(
  t: TestApp,
  orgId: string,
  body: {
    readonly issuer: string;
    readonly domains: readonly string[];
    readonly clientId?: string;
    readonly clientSecret?: string;
    readonly provider?: string;
    readonly [key: string]: unknown;
  },
): Promise<OidcConnection> {
  const { issuer, clientId, clientSecret, domains, provider, oidc, ...rest } = body;
  const res = await t.admin.post(`/api/v1/orgs/${orgId}/connections`, {
    protocol: 'oidc',
    provider: provider ?? 'okta',
    domains,
    oidc: {
      issuer,
      clientId: clientId ?? 'muster',
      ...(clientSecret !== undefined ? { clientSecret } : {}),
      ...((oidc as object | undefined) ?? {}),
    },
    ...rest,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as OidcConnection;
}

/** The Cookie header a browser would send back: every cookie the response set. */
export const cookiesSet = (res: supertest.Response) =>
  ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? [])
    .map((c) => c.split(';')[0])
    .filter((c) => !c?.endsWith('='))
    .join('; ');

export const setsSession = (res: supertest.Response) =>
  ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) =>
    /^muster_session=[^;]/.test(c),
  );

/**
 * GET /sso/login for a query, then the IdP (`authorize` follows its pages),
 * then the redirect URI with the browser's login cookie: the callback's
 * answer.
 */
export async function signIn(
  t: TestApp,
  query: string,
  authorize: (url: string) => Promise<string>,
  options: { readonly tamper?: (callback: URL) => URL; readonly cookie?: string } = {},
) {
  const start = await t.http.get(`/sso/login?${query}`);
  assert.equal(start.status, 302, start.text);
  const authorizationUrl = new URL(start.headers.location as string);
  let callback = new URL(await authorize(authorizationUrl.href));
  if (options.tamper) callback = options.tamper(callback);
  const res = await t.http
    .get(`${callback.pathname}${callback.search}`)
    .set('Cookie', options.cookie ?? cookiesSet(start));
  return { start, authorizationUrl, callback, res };
}
