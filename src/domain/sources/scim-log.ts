import { newId } from '../../infra/ids/index.ts';
import type { Db, PageOf, PageRequest } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import type { Directory } from './directories.ts';

export interface ScimRequestLogEntry {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType: string | null;
  readonly durationMs: number;
  readonly requestId: string | null;
  readonly summary: unknown;
  readonly createdAt: Date;
}

export interface ScimRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType: string | undefined;
  readonly durationMs: number;
  readonly requestId: string;
  /** What changed, or why the request failed; never credentials. */
  readonly summary: unknown;
}

export interface ScimRequestLogOptions {
  /** Entries written in one statement at most. */
  readonly maxBatch?: number;
  /** How long an entry may wait for others before it is written. */
  readonly delayMs?: number;
  readonly onError?: (error: unknown, lost: number) => void;
}

/**
 * The SCIM request log, written in batches: a sync sends thousands of
 * requests a second, and a row and a commit each would cost as much as the
 * request itself. Entries wait at most `delayMs`; readers in this process
 * flush first, so they see every request that has finished.
 */
export class ScimRequestLog {
  readonly #db: Db;
  readonly #maxBatch: number;
  readonly #delayMs: number;
  readonly #onError: (error: unknown, lost: number) => void;
  #pending: store.ScimRequestEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writes: Promise<void> = Promise.resolve();

  constructor(db: Db, options: ScimRequestLogOptions = {}) {
    this.#db = db;
    this.#maxBatch = options.maxBatch ?? 200;
    this.#delayMs = options.delayMs ?? 100;
    this.#onError = options.onError ?? (() => {});
  }

  record(directory: Directory, record: ScimRequestRecord): void {
    this.#pending.push({
      id: newId(),
      orgId: directory.orgId,
      directoryId: directory.id,
      method: record.method,
      path: record.path,
      status: record.status,
      scimType: record.scimType ?? null,
      durationMs: record.durationMs,
      requestId: record.requestId,
      summary: record.summary,
    });
    if (this.#pending.length >= this.#maxBatch) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.#delayMs).unref();
  }

  /** Writes what is waiting; resolves once every entry recorded so far is written (or reported lost). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length > 0) {
      // One batch at a time, in order, so the log never reads out of order.
      this.#writes = this.#writes.then(() =>
        store
          .insertScimRequests(this.#db, batch)
          .catch((error: unknown) => this.#onError(error, batch.length)),
      );
    }
    return this.#writes;
  }
}

export async function listScimRequestLog(
  db: Db,
  log: ScimRequestLog,
  directory: Directory,
  page: PageRequest,
): Promise<PageOf<ScimRequestLogEntry>> {
  await log.flush();
  const result = await store.listScimRequests(db, directory.orgId, directory.id, page);
  return {
    more: result.more,
    items: result.items.map((row) => ({
      id: row.id,
      method: row.method,
      path: row.path,
      status: row.status,
      scimType: row.scim_type,
      durationMs: row.duration_ms,
      requestId: row.request_id,
      summary: row.summary,
      createdAt: row.created_at,
    })),
  };
}
