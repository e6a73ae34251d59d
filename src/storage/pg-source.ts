import pg from 'pg';
import type { PoolStats } from '../infra/metrics/index.ts';
import type { Session, SessionSource } from './driver.ts';

// int8 (counts, sequences) as numbers, as PGlite returns them: one dialect, one set of types.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

const sessions = new WeakMap<pg.PoolClient, Session>();

export class PgSource implements SessionSource {
  readonly #pool: pg.Pool;
  readonly #clients = new Map<Session, pg.PoolClient>();

  constructor(connectionString: string, max: number) {
    this.#pool = new pg.Pool({ connectionString, max, types, connectionTimeoutMillis: 10_000 });
    // An idle client losing its server must not crash the process; the pool replaces it.
    this.#pool.on('error', () => {});
  }

  async acquire(): Promise<Session> {
    const client = await this.#pool.connect();
    let session = sessions.get(client);
    if (!session) {
      session = {
        query: async (text, params) => {
          const result = await client.query(text, params as unknown[]);
          return {
            rows: result.rows,
            ...(result.rowCount === null ? {} : { affectedRows: result.rowCount }),
          };
        },
        exec: async (script) => {
          await client.query(script);
        },
      };
      sessions.set(client, session);
    }
    this.#clients.set(session, client);
    return session;
  }

  release(session: Session): void {
    const client = this.#clients.get(session);
    this.#clients.delete(session);
    client?.release();
  }

  stats(): PoolStats {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  async destroy(): Promise<void> {
    if (this.#pool.ended || this.#pool.ending) return;
    await this.#pool.end();
  }
}
