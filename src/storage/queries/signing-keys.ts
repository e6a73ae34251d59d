import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { SigningKeyRow } from '../schema.ts';

/**
 * The keys that sign session tokens belong to the installation, not to an
 * org: there is no tenant to put first. The table holds a handful of rows
 * (one key a month, each dropped once nothing it signed can be used).
 */

/** The keys a token may still be checked against: unretired, or retired after `retiredAfter`. */
export function listSigningKeys(db: Db, retiredAfter: Date): Promise<SigningKeyRow[]> {
  return db
    .selectFrom('signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredAfter)]))
    .orderBy('created_at', 'desc')
    .execute();
}

export function findSigningKey(db: Db, kid: string): Promise<SigningKeyRow | undefined> {
  return db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirst();
}

/**
 * Serialises key rotation across processes for the rest of the transaction,
 * so two processes finding no current key make one between them. The number
 * is this lock's name among Muster's advisory locks.
 */
export async function lockSigningKeys(db: Db): Promise<void> {
  await sql`select pg_advisory_xact_lock(${sql.lit(0x6d757374)}, ${sql.lit(1)})`.execute(db);
}

export async function insertSigningKey(
  db: Db,
  row: { kid: string; sealedPrivateKey: string; publicJwk: object; createdAt: Date },
): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      kid: row.kid,
      sealed_private_key: row.sealedPrivateKey,
      public_jwk: JSON.stringify(row.publicJwk),
      created_at: row.createdAt,
    })
    .execute();
}

/** Retires every key but `keep`; they go on verifying what they signed until they are dropped. */
export async function retireSigningKeys(db: Db, keep: string, at: Date): Promise<void> {
  await db
    .updateTable('signing_keys')
    .set({ retired_at: at })
    .where('retired_at', 'is', null)
    .where('kid', '!=', keep)
    .execute();
}

/** Drops keys retired before `before`: nothing they signed can be renewed or verified any more. */
export async function dropRetiredSigningKeys(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('signing_keys').where('retired_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
