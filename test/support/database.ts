import { readFileSync } from 'node:fs';
import { type Database, migrate, openDatabase } from '../../src/storage/index.ts';

/**
 * The database a test file works in: the run's PostgreSQL server database
 * when the suite runs with DATABASE_URL, otherwise a PGlite loaded from the
 * run's migrated image (about 0.4 s, against 5 s for a fresh initdb).
 * Opened once per test file; tests isolate themselves by org.
 */
let shared: Promise<Database> | undefined;

export function testDatabase(): Promise<Database> {
  shared ??= process.env.MUSTER_TEST_DATABASE_URL
    ? openDatabase({ url: process.env.MUSTER_TEST_DATABASE_URL, poolMax: 5 })
    : scratchDatabase();
  return shared;
}

/**
 * A PGlite database of this test's own, migrated: for tests that change
 * what every other test relies on (migrations, closing the database).
 */
export async function scratchDatabase(): Promise<Database> {
  const image = process.env.MUSTER_TEST_PGLITE_IMAGE;
  if (image) return openDatabase({ memory: true, image: new Blob([readFileSync(image)]) });
  const database = await openDatabase({ memory: true });
  await migrate(database);
  return database;
}

export async function closeTestDatabase(): Promise<void> {
  if (!shared) return;
  const database = await shared;
  shared = undefined;
  await database.close();
}
