import { readFileSync } from 'node:fs';
import { type Database, migrate, openDatabase } from '../../src/storage/index.ts';

/**
 * A database that remembers every statement the app sends (the first time
 * each text is seen, with its parameters), and finds those whose plan
 * scans a table sequentially even with sequential scans priced out: a
 * statement with no index to use.
 */
export interface PlannedDatabase {
  readonly database: Database;
  /** Statement text → the parameters it was first sent with. */
  readonly seen: Map<string, readonly unknown[]>;
  /** The statements seen so far with no index to use, as `table: statement`; tables in `allowed` aside. */
  withoutIndex(allowed?: readonly string[]): Promise<string[]>;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const seqScans = (node: PlanNode): string[] => [
  ...(node['Node Type'] === 'Seq Scan' ? [node['Relation Name'] ?? '?'] : []),
  ...(node.Plans ?? []).flatMap(seqScans),
];

export async function plannedDatabase(): Promise<PlannedDatabase> {
  const seen = new Map<string, readonly unknown[]>();
  const onQuery = (text: string, parameters: readonly unknown[]) => {
    if (/^\s*(select|update|delete|with)\b/i.test(text) && !seen.has(text)) seen.set(text, parameters);
  };
  const image = process.env.MUSTER_TEST_PGLITE_IMAGE;
  let database: Database;
  if (image) database = await openDatabase({ memory: true, image: new Blob([readFileSync(image)]), onQuery });
  else {
    database = await openDatabase({ memory: true, onQuery });
    await migrate(database);
  }
  return {
    database,
    seen,
    withoutIndex: (allowed = []) =>
      database.withSession(async (session) => {
        await session.exec('set enable_seqscan = off');
        const found: string[] = [];
        for (const [text, parameters] of seen) {
          const { rows } = await session.query(`explain (format json) ${text}`, parameters);
          const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
          for (const table of seqScans(plan)) if (!allowed.includes(table)) found.push(`${table}: ${text}`);
        }
        await session.exec('reset enable_seqscan');
        return found;
      }),
  };
}
