import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';
import type { Session } from './driver.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));
const fileName = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// Serialises migrations across processes that start at once against one server.
const lockKey = 727_001;

export function loadMigrations(dir: string = migrationsDir): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = fileName.exec(file);
      if (!match?.[1] || !match[2])
        throw new MigrationError(`migration file ${file} is not named NNNN_name.sql`);
      const sql = readFileSync(`${dir}${file}`, 'utf8');
      return {
        version: Number(match[1]),
        name: match[2],
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new MigrationError(
        `migrations must be numbered 1, 2, 3, …: found ${migration.version} at place ${index + 1}`,
      );
    }
  });
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

async function applied(session: Session): Promise<Map<number, AppliedRow>> {
  const { rows } = await session.query(
    'select version, name, checksum from schema_migrations order by version',
    [],
  );
  return new Map((rows as AppliedRow[]).map((row) => [row.version, row]));
}

/**
 * Applies pending migrations, each in its own transaction under an advisory
 * lock. Forward-only: an applied migration whose file changed, or a database
 * newer than this code, stops start-up rather than guessing.
 */
export async function migrate(
  database: Database,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<number[]> {
  return database.withSession(async (session) => {
    await session.exec(`
      select pg_advisory_lock(${lockKey});
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      );`);
    try {
      const done = await applied(session);
      const known = new Set(migrations.map((m) => m.version));
      for (const version of done.keys()) {
        if (!known.has(version)) {
          throw new MigrationError(
            `the database has migration ${version}, which this version of Muster does not know`,
          );
        }
      }
      const ran: number[] = [];
      for (const migration of migrations) {
        const previous = done.get(migration.version);
        if (previous) {
          if (previous.checksum !== migration.checksum) {
            throw new MigrationError(
              `migration ${migration.version}_${migration.name} was changed after it was applied; add a new migration instead`,
            );
          }
          continue;
        }
        try {
          await session.exec('begin');
          await session.exec(migration.sql);
          await session.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
            migration.version,
            migration.name,
            migration.checksum,
          ]);
          await session.exec('commit');
        } catch (error) {
          await session.exec('rollback').catch(() => {});
          throw new MigrationError(
            `migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
          );
        }
        ran.push(migration.version);
      }
      return ran;
    } finally {
      await session.exec(`select pg_advisory_unlock(${lockKey})`).catch(() => {});
    }
  });
}
