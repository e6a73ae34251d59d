import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, migrate, openDatabase } from '../../../src/storage/index.ts';
import { scratchDatabase } from '../../support/database.ts';

/**
 * A database of this test's own, for state every other test shares (the
 * installation's signing keys): on the run's PostgreSQL server a fresh
 * database beside the run's, else a PGlite of its own. `open` gives another
 * connection pool to the same database, as a second Muster process has.
 */
export interface IsolatedDatabase {
  readonly database: Database;
  open(): Promise<Database>;
  close(): Promise<void>;
}

export async function isolatedDatabase(): Promise<IsolatedDatabase> {
  const serverUrl = process.env.MUSTER_TEST_DATABASE_URL;
  if (!serverUrl) {
    const database = await scratchDatabase();
    return { database, open: async () => database, close: () => database.close() };
  }
  const name = `muster_keys_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const opened: Database[] = [];
  const open = async () => {
    const database = await openDatabase({ url: url.toString(), poolMax: 3 });
    opened.push(database);
    return database;
  };
  const database = await open();
  await migrate(database);
  return {
    database,
    open,
    close: async () => {
      for (const d of opened) await d.close();
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
