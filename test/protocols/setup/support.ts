import assert from 'node:assert/strict';
import supertest from 'supertest';
import { connectionUrls } from '../../../src/domain/sources/index.ts';
import type { TestApp } from '../../support/app.ts';
import { ConsoleClient, csrfFor } from '../../support/console.ts';

export interface MadeLink {
  readonly id: string;
  readonly url: string;
  readonly token: string;
  /** `/setup/{token}` */
  readonly path: string;
  readonly connectionId: string | null;
}

/** A setup link made by the org's admin, as the API answers it once. */
export async function makeSetupLink(
  t: TestApp,
  orgId: string,
  features: ('sso' | 'scim')[] = ['sso', 'scim'],
  expiresInHours?: number,
): Promise<MadeLink> {
  const res = await t.admin.post(`/api/v1/orgs/${orgId}/setup-links`, {
    features,
    ...(expiresInHours === undefined ? {} : { expiresInHours }),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const url = res.body.url as string;
  const token = url.slice(url.lastIndexOf('/') + 1);
  return { id: res.body.id, url, token, path: `/setup/${token}`, connectionId: res.body.connectionId };
}

/** The IT admin's browser without script: cookies kept (CSRF), forms posted with their CSRF field. */
export function itAdmin(t: TestApp): ConsoleClient {
  return new ConsoleClient(t, '');
}

/** Chooses the IdP (and protocol) in the portal's first step. */
export async function chooseIdp(
  c: ConsoleClient,
  link: MadeLink,
  provider: string,
  protocol: 'saml' | 'oidc' = 'saml',
): Promise<void> {
  const res = await c.submit(link.path, `${link.path}/idp`, { provider, protocol });
  assert.equal(res.status, 303, res.text.slice(0, 500));
}

/** Posts the metadata form as a browser does (multipart), with a file or the other fields. */
export async function postMetadata(
  t: TestApp,
  c: ConsoleClient,
  link: MadeLink,
  given: { readonly file?: string; readonly xml?: string; readonly url?: string },
): Promise<supertest.Response> {
  const page = await c.get(`${link.path}/sso`);
  assert.equal(page.status, 200, page.text.slice(0, 500));
  const csrf = csrfFor(page.text, `${link.path}/sso/metadata`);
  let request = supertest(t.app)
    .post(`${link.path}/sso/metadata`)
    .set('Cookie', c.cookie)
    .field('csrf', csrf);
  request = request.field('url', given.url ?? '').field('xml', given.xml ?? '');
  if (given.file !== undefined)
    request = request.attach('file', Buffer.from(given.file, 'utf8'), {
      filename: 'idp-metadata.xml',
      contentType: 'application/xml',
    });
  return request;
}

/** Muster's values for the connection a link reserved. */
export function reservedUrls(link: MadeLink, publicUrl: string) {
  assert.ok(link.connectionId, 'an SSO link reserves a connection id');
  return connectionUrls(publicUrl, link.connectionId);
}

/** The value of a read-only field of a page, by its id. */
export function fieldValue(page: string, id: string): string | undefined {
  const match = new RegExp(`<input id="${id}" readonly value="([^"]*)"`).exec(page);
  return match?.[1]?.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
}
