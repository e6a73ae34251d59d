import { notFound } from '../../errors.ts';
import { newId } from '../../infra/ids/index.ts';
import {
  apiKeyTokens,
  issueToken,
  lastUseIsStale,
  parseToken,
  tokenPrefix,
  verifySecret,
} from '../../infra/tokens/index.ts';
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

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    prefix: tokenPrefix(apiKeyTokens, row.id),
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function describeActor(ctx: ChangeContext): string {
  return ctx.actor.id ? `${ctx.actor.type}:${ctx.actor.id}` : ctx.actor.type;
}

/** Org API keys and SCIM tokens share the `muster_` prefix; SCIM tokens are never admin credentials. */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(apiKeyTokens.prefix);
}

export async function createApiKey(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  input: { name: string },
): Promise<{ apiKey: ApiKey; key: string }> {
  const id = newId();
  const { token: key, secretHash } = issueToken(apiKeyTokens, id);
  return db.transaction().execute(async (trx) => {
    const row = await store.insertApiKey(trx, orgId, {
      id,
      name: input.name,
      secret_hash: secretHash,
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
  const parsed = parseToken(apiKeyTokens, key);
  if (!parsed) return undefined;
  const row = await store.findApiKeyForAuthentication(db, parsed.id);
  if (!verifySecret(parsed.secret, row?.secret_hash) || !row || row.revoked_at) return undefined;
  const now = new Date();
  if (lastUseIsStale(row.last_used_at, now)) await store.touchApiKey(db, row.org_id, row.id, now);
  return { orgId: row.org_id, keyId: row.id };
}
