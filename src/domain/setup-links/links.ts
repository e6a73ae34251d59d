import { MusterError, notFound } from '../../errors.ts';
import { hashSecret, randomSecret } from '../../infra/crypto/index.ts';
import { isUuid, newId } from '../../infra/ids/index.ts';
import type { Db, PageOf, PageRequest, SetupLinkFeature, SetupLinkRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { type SetupLink, setupLinkSnapshot, statusOf, toSetupLink } from './view.ts';

export const setupLinkFeatures: readonly SetupLinkFeature[] = ['sso', 'scim'];
export const defaultSetupLinkHours = 72;
export const maxSetupLinkHours = 720;

export interface SetupLinkRequest {
  readonly features: readonly SetupLinkFeature[];
  readonly expiresInHours?: number | undefined;
}

export interface SetupLinkTools {
  /** Where setup links point: PUBLIC_URL. */
  readonly publicUrl: string;
}

export const setupUrl = (publicUrl: string, token: string) => `${publicUrl}/setup/${token}`;

function invalid(path: string, message: string): MusterError {
  return new MusterError('validation_failed', 'The request is not valid', { details: [{ path, message }] });
}

/**
 * Makes a setup link for the org: a fresh 256-bit token of which only the
 * SHA-256 is kept, returned once inside its URL. A link for SSO reserves
 * the id of the connection it will set up, so the portal can show
 * Muster's URLs for it before the IdP's side exists.
 */
export async function createSetupLink(
  db: Db,
  tools: SetupLinkTools,
  ctx: ChangeContext,
  orgId: string,
  request: SetupLinkRequest,
): Promise<{ link: SetupLink; url: string }> {
  const features = setupLinkFeatures.filter((f) => request.features.includes(f));
  if (features.length === 0 || features.length !== new Set(request.features).size)
    throw invalid('features', 'give sso, scim or both');
  const hours = request.expiresInHours ?? defaultSetupLinkHours;
  if (!Number.isInteger(hours) || hours < 1 || hours > maxSetupLinkHours)
    throw invalid('expiresInHours', `must be a whole number of hours from 1 to ${maxSetupLinkHours}`);
  const token = randomSecret();
  const link = await db.transaction().execute(async (trx) => {
    const row = await store.insertSetupLink(trx, {
      id: newId(),
      org_id: orgId,
      token_hash: hashSecret(token),
      features,
      expires_at: new Date(Date.now() + hours * 3_600_000),
      connection_id: features.includes('sso') ? newId() : null,
      created_by_type: ctx.actor.type,
      created_by_id: ctx.actor.id,
    });
    const created = toSetupLink(row);
    await recordAudit(trx, ctx, orgId, {
      action: 'setup_link.created',
      target: { type: 'setup_link', id: row.id },
      after: setupLinkSnapshot(created),
    });
    return created;
  });
  return { link, url: setupUrl(tools.publicUrl, token) };
}

async function findRow(db: Db, orgId: string, id: string, forUpdate = false): Promise<SetupLinkRow> {
  const row = isUuid(id) ? await store.findSetupLink(db, orgId, id.toLowerCase(), forUpdate) : undefined;
  if (!row) throw notFound('Setup link');
  return row;
}

export async function getSetupLink(db: Db, orgId: string, id: string): Promise<SetupLink> {
  return toSetupLink(await findRow(db, orgId, id));
}

export async function listSetupLinks(db: Db, orgId: string, page: PageRequest): Promise<PageOf<SetupLink>> {
  const result = await store.listSetupLinks(db, orgId, page);
  return { more: result.more, items: result.items.map(toSetupLink) };
}

/** Revokes an active link: its portal stops working at once. What it set up stays. */
export async function revokeSetupLink(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  id: string,
): Promise<SetupLink> {
  return db.transaction().execute(async (trx) => {
    const row = await findRow(trx, orgId, id, true);
    const status = statusOf(row);
    if (status !== 'active')
      throw new MusterError('conflict', `The setup link is ${status}: only an active link can be revoked`);
    const updated = await store.updateSetupLink(trx, orgId, row.id, { revoked_at: new Date() });
    if (!updated) throw notFound('Setup link');
    const after = toSetupLink(updated);
    await recordAudit(trx, ctx, orgId, {
      action: 'setup_link.revoked',
      target: { type: 'setup_link', id: row.id },
      before: setupLinkSnapshot(toSetupLink(row)),
      after: setupLinkSnapshot(after),
    });
    return after;
  });
}
