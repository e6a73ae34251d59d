import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from './app.ts';
import { idpMetadataXml, type TestIdp } from './saml-idp.ts';

/** What the admin API answers for a connection, as the tests read it. */
export interface ConnectionBody {
  id: string;
  protocol: 'saml' | 'oidc';
  provider: string;
  name: string;
  domains: {
    domain: string;
    verified: boolean;
    verifiedAt: string | null;
    verification: { name: string; type: string; value: string };
  }[];
  spEntityId: string | null;
  acsUrl: string | null;
  spMetadataUrl: string | null;
  redirectUri: string | null;
  jit: boolean;
  allowIdpInitiated: boolean;
  attributeMapping: Record<string, string>;
  groupsAttribute: string | null;
  clockSkewSeconds: number;
  saml?: {
    entityId: string;
    ssoUrl: string;
    sloUrl: string | null;
    certificates: { fingerprint: string; notAfter: string }[];
    allowSha1Signatures: boolean;
    allowUnsignedAssertions: boolean;
    nameIdFormat: string | null;
  };
  oidc?: {
    issuer: string;
    clientId: string;
    tokenEndpointAuthMethod: string;
    scopes: string[] | null;
    jwksUri: string;
    clientCertificate: string | null;
  };
  metadata: { url: string | null; fetchedAt: string | null; error: string | null };
  health: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** A domain no other test (in this run or on the same server database) has claimed. */
export function freshDomain(label = 'corp'): string {
  return `${label}-${randomBytes(5).toString('hex')}.test`;
}

export async function makeSamlConnection(
  t: TestApp,
  org: string,
  idp: TestIdp,
  extra: Record<string, unknown> = {},
): Promise<ConnectionBody> {
  const res = await t.admin.post(`/api/v1/orgs/${org}/connections`, {
    protocol: 'saml',
    provider: 'okta',
    domains: [freshDomain()],
    saml: { metadataXml: idpMetadataXml(idp) },
    ...extra,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as ConnectionBody;
}

/** An IdP's metadata URL, served by the test from loopback: what it serves changes as the test goes. */
export interface MetadataServer {
  readonly url: string;
  /** The body served at /metadata, and its status. */
  body: string;
  status: number;
  readonly hits: () => number;
  close(): Promise<void>;
}

export async function startMetadataServer(body: string): Promise<MetadataServer> {
  let hits = 0;
  const state = { body, status: 200 };
  const server: Server = createServer((req, res) => {
    hits += 1;
    if (req.url !== '/metadata') return void res.writeHead(404).end();
    res.writeHead(state.status, { 'content-type': 'application/samlmetadata+xml' }).end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`;
  return {
    url,
    get body() {
      return state.body;
    },
    set body(value: string) {
      state.body = value;
    },
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Makes an org's queued jobs of this kind due now, as if their time had come. */
export async function makeJobsDue(t: TestApp, orgId: string, subjectId: string): Promise<void> {
  await t.database.db
    .updateTable('jobs')
    .set({ run_after: new Date(Date.now() - 1000) })
    .where('org_id', '=', orgId)
    .where('subject_id', '=', subjectId)
    .where('state', '=', 'queued')
    .execute();
}
