import { PGlite } from '@electric-sql/pglite';
import type { PoolStats } from '../infra/metrics/index.ts';
import type { Session, SessionSource } from './driver.ts';

/**
 * PGlite is one PostgreSQL backend: one session at a time. Callers queue for
 * it in order, so a transaction on the session is never interleaved with
 * another caller's statements.
 */
export class PGliteSource implements SessionSource {
  readonly #db: PGlite;
  readonly #session: Session;
  readonly #queue: Array<(session: Session) => void> = [];
  #busy = false;
  #closed = false;

  private constructor(db: PGlite) {
    this.#db = db;
    this.#session = {
      query: async (text, params) => {
        const result = await db.query(text, params as unknown[]);
        return { rows: result.rows, affectedRows: result.affectedRows ?? 0 };
      },
      exec: async (script) => {
        await db.exec(script);
      },
    };
  }

  /** `dataDir` undefined keeps the database in memory; `image` seeds it from a dump. */
  static async open(options: { dataDir?: string; image?: Blob }): Promise<PGliteSource> {
    const db = new PGlite({
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.image === undefined ? {} : { loadDataDir: options.image }),
    });
    await db.waitReady;
    return new PGliteSource(db);
  }

  acquire(): Promise<Session> {
    if (this.#closed) return Promise.reject(new Error('database is closed'));
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve(this.#session);
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  release(): void {
    const next = this.#queue.shift();
    if (next) next(this.#session);
    else this.#busy = false;
  }

  stats(): PoolStats {
    return { total: 1, idle: this.#busy ? 0 : 1, waiting: this.#queue.length };
  }

  /** A tarball of the data directory, to seed other instances (tests). */
  dump(): Promise<Blob> {
    return this.#db.dumpDataDir('none') as Promise<Blob>;
  }

  async destroy(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Let queued work finish so committed data is flushed before the files close.
    while (this.#busy) {
      await new Promise<void>((resolve) => this.#queue.push(() => resolve()));
      this.release();
    }
    await this.#db.close();
  }
}
