import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { PoolStats } from '../infra/metrics/index.ts';
import { type QueryObserver, type Session, SessionDriver, type SessionSource } from './driver.ts';
import { acquireDataDirLock } from './lockfile.ts';
import { PgSource } from './pg-source.ts';
import { PGliteSource } from './pglite-source.ts';
import type { DB } from './schema.ts';

export type Db = Kysely<DB>;

export interface Database {
  readonly db: Db;
  readonly engine: 'pglite' | 'postgres';
  /** Where the data is: the PGlite directory or the server URL without its password. */
  readonly location: string;
  stats(): PoolStats;
  /** A raw session for work Kysely does not express, such as multi-statement migration scripts. */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /** PGlite only: a tarball of the whole database, to seed other instances (the test suite's image). */
  dump?(): Promise<Blob>;
  close(): Promise<void>;
}

export type DatabaseOptions = (
  | { readonly url: string; readonly poolMax: number }
  | { readonly dataDir: string }
  | { readonly memory: true; readonly image?: Blob }
) & { readonly onQuery?: QueryObserver };

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function build(
  source: SessionSource & { stats(): PoolStats; dump?(): Promise<Blob> },
  engine: Database['engine'],
  location: string,
  options: { onClose?: () => void; onQuery?: QueryObserver | undefined } = {},
): Database {
  const db = new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new SessionDriver(source, options.onQuery),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  let closed = false;
  return {
    db,
    engine,
    location,
    stats: () => source.stats(),
    ...(source.dump ? { dump: source.dump.bind(source) } : {}),
    async withSession(fn) {
      const session = await source.acquire();
      try {
        return await fn(session);
      } finally {
        source.release(session);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      // Kysely skips its driver when no query ever ran; the source must close either way.
      await source.destroy();
      options.onClose?.();
    },
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ('url' in options) {
    return build(new PgSource(options.url, options.poolMax), 'postgres', redact(options.url), options);
  }
  if ('memory' in options) {
    const source = await PGliteSource.open(options.image ? { image: options.image } : {});
    return build(source, 'pglite', 'memory', options);
  }
  mkdirSync(options.dataDir, { recursive: true });
  // Two processes on one PGlite directory would corrupt it; the second refuses to start.
  const lock = acquireDataDirLock(options.dataDir);
  try {
    const source = await PGliteSource.open({ dataDir: join(options.dataDir, 'pgdata') });
    return build(source, 'pglite', options.dataDir, { onClose: lock.release, onQuery: options.onQuery });
  } catch (error) {
    lock.release();
    throw error;
  }
}
