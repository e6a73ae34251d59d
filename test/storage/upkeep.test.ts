import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  grownSinceUpkeep,
  needsOwnUpkeep,
  runUpkeep,
  startUpkeep,
  tableSizes,
} from '../../src/storage/index.ts';
import { closeTestDatabase, scratchDatabase, testDatabase } from '../support/database.ts';

async function fill(database: Awaited<ReturnType<typeof scratchDatabase>>, n: number) {
  const org = crypto.randomUUID();
  await sql`insert into orgs (id, name, slug) values (${org}, 'Upkeep', ${`upkeep-${org.slice(0, 8)}`})`.execute(
    database.db,
  );
  await sql`
    insert into users (id, org_id, email)
    select gen_random_uuid(), ${org}, 'user' || g || '@example.com' from generate_series(1, ${n}::integer) g
  `.execute(database.db);
}

async function statsOf(database: Awaited<ReturnType<typeof scratchDatabase>>) {
  const { rows } = await sql<{ relpages: number; reltuples: number }>`
    select relpages, reltuples from pg_class where relname = 'users' and relnamespace = current_schema()::regnamespace
  `.execute(database.db);
  const row = rows[0];
  assert.ok(row);
  return row;
}

describe('table upkeep', () => {
  after(closeTestDatabase);

  it('vacuums and analyzes a table that grew, and leaves it alone until it grows again', async () => {
    const database = await scratchDatabase();
    after(() => database.close());
    await runUpkeep(database.db);
    await fill(database, 30_000);
    assert.deepEqual(await grownSinceUpkeep(database.db), ['users']);
    assert.deepEqual(await runUpkeep(database.db), ['users']);
    const stats = await statsOf(database);
    assert.ok(stats.relpages > 100, `relpages ${stats.relpages}`);
    assert.ok(Math.abs(stats.reltuples - 30_000) < 3_000, `reltuples ${stats.reltuples}`);
    assert.deepEqual(await grownSinceUpkeep(database.db), []);
    // While it grows, less than a tenth more is not yet worth a vacuum.
    await fill(database, 800);
    const sizes = await tableSizes(database.db);
    await fill(database, 800);
    assert.deepEqual(await grownSinceUpkeep(database.db, sizes), []);
    // Once it stopped growing, what it grew since the last vacuum is.
    assert.deepEqual(await grownSinceUpkeep(database.db, await tableSizes(database.db)), ['users']);
    // A tenth more qualifies while it still grows.
    await fill(database, 5_000);
    assert.deepEqual(await grownSinceUpkeep(database.db, sizes), ['users']);
  });

  it('runs from a timer until stopped, one pass at a time', async () => {
    const database = await scratchDatabase();
    after(() => database.close());
    await runUpkeep(database.db);
    await fill(database, 5_000);
    const passes: string[][] = [];
    const upkeep = startUpkeep(database, { intervalMs: 20, onPass: (tables) => passes.push(tables) });
    const deadline = Date.now() + 10_000;
    while (passes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await upkeep.stop();
    assert.deepEqual(passes, [['users']]);
    assert.ok(Math.abs((await statsOf(database)).reltuples - 5_000) < 500);
  });

  it('is Muster’s job on PGlite, and on a server only where autovacuum is off', async () => {
    const database = await testDatabase();
    const { rows } = await sql<{
      autovacuum: string;
    }>`select current_setting('autovacuum') as autovacuum`.execute(database.db);
    const expected = database.engine === 'pglite' || rows[0]?.autovacuum !== 'on';
    assert.equal(await needsOwnUpkeep(database), expected);
  });
});
