import { MusterError, notFound } from '../../errors.ts';
import { hashSecret } from '../../infra/crypto/index.ts';
import type { Db, SetupLinkPatch, StoredMetadataFinding } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { type SetupChoice, type SetupLink, setupLinkSnapshot, statusOf, toSetupLink } from './view.ts';

/** A link as its portal opens it, with the org it sets up. */
export interface OpenedSetupLink {
  readonly link: SetupLink;
  readonly org: { readonly id: string; readonly name: string; readonly slug: string };
}

const tokenShape = /^[A-Za-z0-9_-]{43}$/;

/** The link a token opens, whatever its status; undefined when the token opens none. */
export async function openSetupLink(db: Db, token: string): Promise<OpenedSetupLink | undefined> {
  if (!tokenShape.test(token)) return undefined;
  const row = await store.findSetupLinkByTokenHash(db, hashSecret(token));
  if (!row) return undefined;
  const org = await store.findOrg(db, { id: row.org_id });
  if (!org) return undefined;
  return { link: toSetupLink(row), org: { id: org.id, name: org.name, slug: org.slug } };
}

/**
 * One change the portal makes to its own link, in a transaction that
 * re-reads it: a link revoked or expired meanwhile changes nothing.
 */
async function changeLink(
  db: Db,
  ctx: ChangeContext,
  link: SetupLink,
  patch: SetupLinkPatch,
  action: string,
): Promise<SetupLink> {
  return db.transaction().execute(async (trx) => {
    const row = await store.findSetupLink(trx, link.orgId, link.id, true);
    if (!row) throw notFound('Setup link');
    const status = statusOf(row);
    if (status !== 'active') throw new MusterError('forbidden', `This setup link is ${status}`);
    const updated = await store.updateSetupLink(trx, link.orgId, link.id, patch);
    if (!updated) throw notFound('Setup link');
    const after = toSetupLink(updated);
    await recordAudit(trx, ctx, link.orgId, {
      action,
      target: { type: 'setup_link', id: link.id },
      before: setupLinkSnapshot(toSetupLink(row)),
      after: setupLinkSnapshot(after),
    });
    return after;
  });
}

/** Remembers the IdP (and for SSO the protocol) the IT admin chose. */
export function chooseSetupIdp(
  db: Db,
  ctx: ChangeContext,
  link: SetupLink,
  choice: SetupChoice,
): Promise<SetupLink> {
  const protocol = link.features.includes('sso') ? choice.protocol : null;
  if (link.features.includes('sso') && protocol === null)
    throw new MusterError('validation_failed', 'Choose SAML or OpenID Connect', {
      details: [{ path: 'protocol', message: 'choose saml or oidc' }],
    });
  return changeLink(db, ctx, link, { provider: choice.provider, protocol }, 'setup_link.idp_chosen');
}

/** Keeps the IdP metadata the IT admin checked, with what the check found, for activation. */
export function saveSetupMetadata(
  db: Db,
  ctx: ChangeContext,
  link: SetupLink,
  metadata: {
    readonly xml: string | null;
    readonly url: string | null;
    readonly findings: readonly StoredMetadataFinding[];
  },
): Promise<SetupLink> {
  return changeLink(
    db,
    ctx,
    link,
    {
      metadata_xml: metadata.xml,
      metadata_url: metadata.url,
      metadata_findings: metadata.findings,
      metadata_checked_at: new Date(),
    },
    'setup_link.metadata_checked',
  );
}

/**
 * Records the SCIM directory the portal made for the link. Only the first
 * is kept: a second submission that raced the first is refused (409).
 */
export async function attachSetupDirectory(db: Db, link: SetupLink, directoryId: string): Promise<SetupLink> {
  const row = await store.attachSetupLinkDirectory(db, link.orgId, link.id, directoryId);
  if (!row) throw new MusterError('conflict', 'This setup link has made its SCIM directory already');
  return toSetupLink(row);
}
