import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { translateDatabaseError } from './errors.ts';

/** One connection to PostgreSQL, whichever engine is behind it. */
export interface Session {
  query(text: string, params: readonly unknown[]): Promise<{ rows: unknown[]; affectedRows?: number }>;
  /** Runs a script of several statements (simple query protocol): used by migrations. */
  exec(script: string): Promise<void>;
}

/** Where sessions come from: a pg pool, or the single PGlite instance behind a mutex. */
export interface SessionSource {
  acquire(): Promise<Session>;
  release(session: Session): void;
  destroy(): Promise<void>;
}

/** Sees every statement before it runs: for query plans in tests and SQL in debug logs. */
export type QueryObserver = (sql: string, parameters: readonly unknown[]) => void;

class Connection implements DatabaseConnection {
  readonly session: Session;
  readonly #observe: QueryObserver | undefined;
  constructor(session: Session, observe: QueryObserver | undefined) {
    this.session = session;
    this.#observe = observe;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    this.#observe?.(query.sql, query.parameters);
    try {
      const result = await this.session.query(query.sql, query.parameters);
      return {
        rows: result.rows as R[],
        ...(result.affectedRows === undefined ? {} : { numAffectedRows: BigInt(result.affectedRows) }),
      };
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered by either engine here.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported');
  }
}

/**
 * One Kysely driver for both engines. Transactions are plain SQL on the
 * acquired session, so PGlite and a server behave the same, and every
 * database error passes through one translation (23505 → conflict, …).
 */
export class SessionDriver implements Driver {
  readonly #source: SessionSource;
  readonly #observe: QueryObserver | undefined;

  constructor(source: SessionSource, observe?: QueryObserver) {
    this.#source = source;
    this.#observe = observe;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Connection(await this.#source.acquire(), this.#observe);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let statement = 'begin';
    if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode) statement += ` ${settings.accessMode}`;
    await connection.executeQuery(CompiledQuery.raw(statement));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.#source.release((connection as Connection).session);
  }

  async destroy(): Promise<void> {
    await this.#source.destroy();
  }
}
