import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type Database, loadMigrations, MigrationError, migrate } from '../../src/storage/index.ts';
import { scratchDatabase } from '../support/database.ts';

const opened: Database[] = [];
after(async () => {
  for (const database of opened) await database.close();
});

async function scratch(): Promise<Database> {
  const database = await scratchDatabase();
  opened.push(database);
  return database;
}

describe('migrations', () => {
  it('are numbered from 1 without gaps', () => {
    const migrations = loadMigrations();
    assert.ok(migrations.length >= 1);
    assert.deepEqual(
      migrations.map((m) => m.version),
      migrations.map((_, i) => i + 1),
    );
  });

  it('apply once: a second run on a migrated database does nothing', async () => {
    const database = await scratch();
    assert.deepEqual(await migrate(database), []);
    const rows = await database.db.selectFrom('schema_migrations').select(['version', 'checksum']).execute();
    assert.deepEqual(
      rows.map((r) => r.version),
      loadMigrations().map((m) => m.version),
    );
  });

  it('apply a new migration and record it', async () => {
    const database = await scratch();
    const next = loadMigrations().length + 1;
    const extra = {
      version: next,
      name: 'add_widgets',
      sql: 'create table widgets (id int primary key);',
      checksum: 'c1',
    };
    assert.deepEqual(await migrate(database, [...loadMigrations(), extra]), [next]);
    await database.withSession((s) => s.query('insert into widgets values (1)', []));
  });

  it('roll back a failing migration whole and stop', async () => {
    const database = await scratch();
    const next = loadMigrations().length + 1;
    const broken = {
      version: next,
      name: 'broken',
      sql: 'create table half_done (id int); select 1 / 0;',
      checksum: 'c2',
    };
    await assert.rejects(migrate(database, [...loadMigrations(), broken]), (error: unknown) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, new RegExp(`${next}_broken failed: division by zero`));
      return true;
    });
    const { rows } = await database.withSession((s) =>
      s.query("select count(*)::int as n from information_schema.tables where table_name = 'half_done'", []),
    );
    assert.deepEqual(rows, [{ n: 0 }]);
    const versions = await database.db.selectFrom('schema_migrations').select('version').execute();
    assert.equal(
      versions.some((v) => v.version === next),
      false,
    );
  });

  it('refuse an applied migration whose file changed', async () => {
    const database = await scratch();
    const [first, ...rest] = loadMigrations();
    assert.ok(first);
    await assert.rejects(
      migrate(database, [{ ...first, checksum: 'edited' }, ...rest]),
      /was changed after it was applied/,
    );
  });

  it('refuse a database newer than the code', async () => {
    const database = await scratch();
    await database.withSession((s) =>
      s.query("insert into schema_migrations (version, name, checksum) values (9999, 'future', 'x')", []),
    );
    await assert.rejects(migrate(database), /migration 9999, which this version of Muster does not know/);
  });
});
