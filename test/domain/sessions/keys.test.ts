import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { sql } from 'kysely';
import {
  authenticateSession,
  keyRotationMs,
  SigningKeys,
  type SigningKeysOptions,
  startSession,
} from '../../../src/domain/sessions/index.ts';
import { developmentMasterKey, SecretBox } from '../../../src/infra/crypto/index.ts';
import { newId } from '../../../src/infra/ids/index.ts';
import { type Db, insertOrg, insertUser } from '../../../src/storage/index.ts';
import { type IsolatedDatabase, isolatedDatabase } from './isolated.ts';

const issuer = 'https://muster.test';
const box = new SecretBox(developmentMasterKey);
const day = 24 * 3600 * 1000;
const system = { actor: { type: 'system' as const, id: null } };

/** A clock tests move by hand, shared by every keys instance of a test (every "process"). */
function clock(start = Date.now()) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

function keysOn(db: Db, now: () => Date, options: Partial<SigningKeysOptions> = {}) {
  return new SigningKeys(db, box, { issuer, now, ...options });
}

async function keyRows(db: Db) {
  const { rows } = await sql<{ kid: string; retired_at: Date | null }>`
    select kid, retired_at from signing_keys order by created_at`.execute(db);
  return rows;
}

async function member(db: Db) {
  const orgId = newId();
  const userId = newId();
  await insertOrg(db, { id: orgId, name: 'Keys', slug: `keys-${orgId.slice(-8)}` });
  await insertUser(
    db,
    orgId,
    userId,
    { email: 'ada@example.com', given_name: null, family_name: null, display_name: null },
    'active',
  );
  return { orgId, userId, connectionId: null, loginId: newId() };
}

const kids = async (keys: SigningKeys) => (await keys.jwks()).keys.map((k) => k.kid).sort();

describe('session signing keys', () => {
  let isolated: IsolatedDatabase;
  before(async () => {
    isolated = await isolatedDatabase();
  });
  after(() => isolated.close());
  const reset = () => sql`delete from signing_keys`.execute(isolated.database.db);

  it('two processes making the first key at once end with one usable key', async () => {
    await reset();
    const time = clock();
    const other = await isolated.open();
    const a = keysOn(isolated.database.db, time.now);
    const b = keysOn(other.db, time.now);
    const [fromA, fromB] = await Promise.all([a.signer(), b.signer()]);
    assert.equal(fromA.kid, fromB.kid);
    assert.equal((await keyRows(isolated.database.db)).length, 1);

    // And when both find it due for rotation at once, one new key between them.
    time.advance(keyRotationMs + 1000);
    const [rotatedA, rotatedB] = await Promise.all([a.signer(), b.signer()]);
    assert.equal(rotatedA.kid, rotatedB.kid);
    assert.notEqual(rotatedA.kid, fromA.kid);
    const rows = await keyRows(isolated.database.db);
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows.map((r) => r.retired_at === null),
      [false, true],
    );
  });

  it('rotates a key 30 days old; the retired key verifies its tokens until they expired', async () => {
    await reset();
    const time = clock();
    const db = isolated.database.db;
    const keys = keysOn(db, time.now);
    const first = (await keys.signer()).kid;
    time.advance(keyRotationMs - 60_000);
    const signedBefore = await startSession(db, keys, await member(db), system);
    assert.equal(decodeProtectedHeader(signedBefore.token).kid, first, 'not yet due');

    time.advance(120_000);
    const second = (await keys.signer()).kid;
    assert.notEqual(second, first);
    assert.deepEqual(await kids(keys), [first, second].sort(), 'the JWKS lists both');
    const signedAfter = await startSession(db, keys, await member(db), system);
    assert.equal(decodeProtectedHeader(signedAfter.token).kid, second);
    // The old key's token is good while it lasts.
    assert.equal((await authenticateSession(db, keys, signedBefore.token)).sessionId, signedBefore.sessionId);

    time.advance(200_000);
    await assert.rejects(authenticateSession(db, keys, signedBefore.token), { reason: 'expired' });
    // Muster's own cookie renews it: the session holds.
    assert.equal(
      (await authenticateSession(db, keys, signedBefore.token, { acceptExpired: true })).tokenExpired,
      true,
    );
    assert.deepEqual(await kids(keys), [first, second].sort());

    // Once every token it signed has expired (5 minutes, plus 5 of margin), the key leaves the JWKS...
    time.advance(400_001);
    assert.deepEqual(await kids(keys), [second]);
    // ...yet the cookie of a session it signed for can still be renewed while that session lasts.
    assert.equal(
      (await authenticateSession(db, keys, signedBefore.token, { acceptExpired: true })).tokenExpired,
      true,
    );
  });

  it('drops a retired key once no session it signed for can be renewed', async () => {
    await reset();
    const time = clock();
    const db = isolated.database.db;
    const keys = keysOn(db, time.now);
    const first = (await keys.signer()).kid;
    time.advance(keyRotationMs);
    const second = (await keys.signer()).kid;
    assert.equal((await keys.verificationKey(first, 'renewal')) !== undefined, true);
    time.advance(8 * 3600 * 1000 + 6 * 60_000);
    assert.equal(await keys.verificationKey(first, 'renewal'), undefined);
    time.advance(keyRotationMs);
    const third = (await keys.signer()).kid;
    assert.deepEqual(
      (await keyRows(db)).map((r) => r.kid),
      [second, third],
      'the first key is gone from the table',
    );
  });

  it('another process learns of a new key at once for verification, and signs with it within a minute', async () => {
    await reset();
    const time = clock();
    const other = await isolated.open();
    const a = keysOn(isolated.database.db, time.now);
    const b = keysOn(other.db, time.now);
    const first = (await a.signer()).kid;
    assert.equal((await b.signer()).kid, first);
    time.advance(keyRotationMs);
    const rotated = (await a.signer()).kid;
    assert.ok(await b.verificationKey(rotated, 'token'), 'b verifies the new key');
    time.advance(61_000);
    assert.equal((await b.signer()).kid, rotated);
    assert.deepEqual(await kids(b), [first, rotated].sort());
  });

  it('a key made at start-up is the one the first session is signed with', async () => {
    await reset();
    const time = clock(Date.now() - 5 * day);
    const keys = keysOn(isolated.database.db, time.now);
    await keys.prepare();
    const [row] = await keyRows(isolated.database.db);
    assert.equal((await keys.signer()).kid, row?.kid);
  });
});
