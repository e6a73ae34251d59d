import { sql } from 'kysely';
import type { Database, Db } from './database.ts';

/** The tables a sync grows by thousands of rows a minute, whose plans depend on fresh statistics. */
const grownTables = [
  'users',
  'scim_users',
  'scim_groups',
  'scim_group_members',
  'memberships',
  'role_grants',
  'audit_events',
] as const;

/** Smaller growth than this is never worth a vacuum. */
const minGrowthPages = 16;

/** Table sizes in pages, as a pass saw them, so the next can tell a table that stopped growing. */
export type TableSizes = ReadonlyMap<string, number>;

async function sizes(db: Db) {
  const { rows } = await sql<{ relname: string; relpages: number; pages: number }>`
    select c.relname, c.relpages,
           (pg_relation_size(c.oid) / current_setting('block_size')::integer)::integer as pages
      from pg_class c
     where c.relname = any(${[...grownTables]}::text[]) and c.relnamespace = current_schema()::regnamespace
  `.execute(db);
  return rows;
}

/** The grown tables, and the sizes this check saw, for the next pass to compare with. */
async function check(db: Db, previous: TableSizes | undefined) {
  const rows = await sizes(db);
  const grown = rows
    .filter((row) => {
      const growth = row.pages - row.relpages;
      if (growth < minGrowthPages) return false;
      return growth >= row.relpages / 10 || previous?.get(row.relname) === row.pages;
    })
    .map((row) => row.relname);
  const seen: TableSizes = new Map(rows.map((row) => [row.relname, row.pages]));
  return { grown, sizes: seen };
}

async function vacuum(db: Db, tables: readonly string[]): Promise<void> {
  for (const table of tables) await sql`vacuum (analyze) ${sql.table(table)}`.execute(db);
}

/**
 * The tables grown since their last vacuum or analyze, read from their file
 * sizes against `pg_class.relpages`: this works where the statistics
 * collector does not (PGlite) and costs no scan. A table qualifies while it
 * grows, once it grew by a tenth; and once it stopped growing (the same size
 * as at `previous`), for any growth worth a vacuum, so the rows of a bulk
 * load's last minutes do not wait for the next load.
 */
export async function grownSinceUpkeep(db: Db, previous?: TableSizes): Promise<string[]> {
  return (await check(db, previous)).grown;
}

/** Vacuums and analyzes what has grown: plans get statistics, index-only scans a visibility map. */
export async function runUpkeep(db: Db, previous?: TableSizes): Promise<string[]> {
  const { grown } = await check(db, previous);
  await vacuum(db, grown);
  return grown;
}

/** The sizes to compare a later check with. */
export async function tableSizes(db: Db): Promise<TableSizes> {
  return (await check(db, undefined)).sizes;
}

/**
 * Whether Muster must keep its tables' statistics itself: PGlite runs no
 * autovacuum, and a server may have it turned off.
 */
export async function needsOwnUpkeep(database: Database): Promise<boolean> {
  if (database.engine === 'pglite') return true;
  const { rows } = await sql<{ on: boolean }>`
    select current_setting('autovacuum') = 'on' and current_setting('track_counts') = 'on' as on
  `.execute(database.db);
  return !rows[0]?.on;
}

export interface Upkeep {
  stop(): Promise<void>;
}

/** Checks every `intervalMs` while the process runs; one pass at a time. */
export function startUpkeep(
  database: Database,
  options: {
    intervalMs?: number;
    onPass?: (tables: string[]) => void;
    onError?: (error: unknown) => void;
  } = {},
): Upkeep {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let previous: TableSizes | undefined;
  const pass = () => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        // Vacuum leaves file sizes as they were, so the sizes read before it serve the next pass.
        const { grown, sizes: seen } = await check(database.db, previous);
        await vacuum(database.db, grown);
        previous = seen;
        if (grown.length > 0) options.onPass?.(grown);
      } catch (error) {
        options.onError?.(error);
      }
    });
  };
  const timer = setInterval(pass, options.intervalMs ?? 10_000).unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
