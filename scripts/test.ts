/**
 * `npm test`: prepares one migrated database for the whole run, then runs
 * every test file with node's test runner. Each test file opens that image
 * (PGlite) or database (server) once and isolates its tests by org.
 *
 * With DATABASE_URL set, the run creates its own database on that server and
 * drops it afterwards, as the server outlives the run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pg from 'pg';
import { migrate, openDatabase } from '../src/storage/index.ts';

function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory())
      return entry === 'fixtures' || entry === 'support' ? [] : findTests(path);
    return entry.endsWith('.test.ts') ? [path] : [];
  });
}

async function buildPgliteImage(dir: string): Promise<string> {
  const database = await openDatabase({ memory: true });
  await migrate(database);
  const image = await database.dump?.();
  await database.close();
  if (!image) throw new Error('PGlite image could not be made');
  const path = join(dir, 'pglite-image.tar');
  writeFileSync(path, Buffer.from(await image.arrayBuffer()));
  return path;
}

async function createServerDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `muster_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolMax: 2 });
  await migrate(database);
  await database.close();
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

async function main(): Promise<number> {
  const started = Date.now();
  const filters = process.argv.slice(2);
  const files = findTests('test')
    .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
    .sort();
  const work = mkdtempSync(join(tmpdir(), 'muster-test-'));
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test' };
  delete env.DATABASE_URL;
  let drop: (() => Promise<void>) | undefined;
  try {
    env.MUSTER_TEST_PGLITE_IMAGE = await buildPgliteImage(work);
    const serverUrl = process.env.DATABASE_URL;
    if (serverUrl) {
      const created = await createServerDatabase(serverUrl);
      env.MUSTER_TEST_DATABASE_URL = created.url;
      drop = created.drop;
    }
    const engine = serverUrl ? `PostgreSQL server (${new URL(serverUrl).host})` : 'PGlite';
    process.stdout.write(
      `muster tests: ${files.length} files on ${engine}, prepared in ${Date.now() - started} ms\n`,
    );
    const code = await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--test', '--test-concurrency=2', ...files.map((f) => relative('.', f))],
        { env, stdio: 'inherit' },
      );
      child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
    });
    process.stdout.write(
      `muster tests: finished in ${((Date.now() - started) / 1000).toFixed(1)} s on ${engine}\n`,
    );
    return code;
  } finally {
    await drop?.();
    rmSync(work, { recursive: true, force: true });
  }
}

// Exit at once: a closed PGlite instance can hold the event loop for seconds.
process.exit(await main());
