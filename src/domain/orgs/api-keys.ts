import { notFound } from '../../errors.ts';
import { hashSecret, randomSecret, secretMatchesHash } from '../../infra/crypto/index.ts';
import { newId } from '../../infra/ids/index.ts';
import type { ApiKeyRow, Db, PageOf, PageRequest } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';

export interface ApiKey {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  /** The start of the key, enough to recognise it in a list. */
  readonly prefix: string;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

/**
 * `muster_<key id, 32 hex>_<secret, 43 base64url>`: a recognisable prefix
 * for secret scanners, the id to find the row, and 256 bits of secret of
 * which only a SHA-256 is stored.
 */
const keyFormat = /^muster_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

function prefixOf(id: string): string {
  return `muster_${id.replaceAll('-', '').slice(0, 12)}`;
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    prefix: prefixOf(row.id),
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function describeActor(ctx: ChangeContext): string {
  return ctx.actor.id ? `${ctx.actor.type}:${ctx.actor.id}` : ctx.actor.type;
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('muster_');
}

export async function createApiKey(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  input: { name: string },
): Promise<{ apiKey: ApiKey; key: string }> {
  const id = newId();
  const secret = randomSecret(32);
  const key = `muster_${id.replaceAll('-', '')}_${secret}`;
  return db.transaction().execute(async (trx) => {
    const row = await store.insertApiKey(trx, orgId, {
      id,
      name: input.name,
      secret_hash: hashSecret(secret),
      created_by: describeActor(ctx),
    });
    const apiKey = toApiKey(row);
    await recordAudit(trx, ctx, orgId, {
      action: 'api_key.created',
      target: { type: 'api_key', id },
      after: apiKey,
    });
    return { apiKey, key };
  });
}

export async function listApiKeys(db: Db, orgId: string, page: PageRequest): Promise<PageOf<ApiKey>> {
  const result = await store.listApiKeys(db, orgId, page);
  return { more: result.more, items: result.items.map(toApiKey) };
}

export async function revokeApiKey(db: Db, ctx: ChangeContext, orgId: string, keyId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await store.findApiKey(trx, orgId, keyId);
    if (!before || before.revoked_at) throw notFound('API key');
    const row = await store.revokeApiKey(trx, orgId, keyId, new Date());
    if (!row) throw notFound('API key');
    await recordAudit(trx, ctx, orgId, {
      action: 'api_key.revoked',
      target: { type: 'api_key', id: keyId },
      before: toApiKey(before),
      after: toApiKey(row),
    });
  });
}

/** The org and key a presented key belongs to, or undefined for a wrong, malformed or revoked key. */
export async function authenticateApiKey(
  db: Db,
  key: string,
): Promise<{ orgId: string; keyId: string } | undefined> {
  const match = keyFormat.exec(key);
  if (!match?.[1] || !match[2]) return undefined;
  const hex = match[1];
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const row = await store.findApiKeyForAuthentication(db, id);
  // The hash is compared even for unknown ids, so the answer takes as long either way.
  const matches = secretMatchesHash(match[2], row?.secret_hash ?? '0'.repeat(64));
  if (!row || !matches || row.revoked_at) return undefined;
  await store.touchApiKey(db, row.org_id, row.id, new Date());
  return { orgId: row.org_id, keyId: row.id };
}
