import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type supertest from 'supertest';
import type { TestApp } from '../../support/app.ts';
import { makeDirectory, scimClient, user } from '../../support/scim.ts';

/** A member pushed by SCIM, as an org's IdP would: its org user id and its directory. */
export async function pushMember(t: TestApp, orgId: string, email: string) {
  const dir = await makeDirectory(t, orgId, 'okta');
  const scim = scimClient(t, dir.id, dir.token);
  const created = await scim.post('/Users', user(email));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const member = await t.admin.get(`/api/v1/orgs/${orgId}/members/${email}`);
  assert.equal(member.status, 200, JSON.stringify(member.body));
  return { userId: member.body.id as string, scimId: created.body.id as string, scim };
}

/**
 * The app on a real port, and a verifier that checks session tokens the way
 * the application behind Muster does: against the JWKS fetched over HTTP.
 */
export async function applicationVerifier(t: TestApp, issuer: string) {
  const server = createServer(t.app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwks = createRemoteJWKSet(new URL(`${origin}/.well-known/jwks.json`));
  return {
    origin,
    verify: async (token: string): Promise<JWTPayload> =>
      (await jwtVerify(token, jwks, { issuer, audience: issuer, algorithms: ['ES256'] })).payload,
  };
}

/** The Set-Cookie header for the session cookie, as attributes by lowercase name. */
export function sessionCookieOf(res: supertest.Response): Map<string, string> | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  const line = (raw ?? []).find((c) => c.startsWith('muster_session='));
  if (!line) return undefined;
  const [pair, ...attrs] = line.split(';').map((s) => s.trim());
  const map = new Map<string, string>([['value', (pair ?? '').slice('muster_session='.length)]]);
  for (const attr of attrs) {
    const eq = attr.indexOf('=');
    map.set((eq < 0 ? attr : attr.slice(0, eq)).toLowerCase(), eq < 0 ? '' : attr.slice(eq + 1));
  }
  return map;
}
