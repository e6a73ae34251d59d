import { isMusterError } from '../../errors.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type Job, onJobsQueued, toJob } from './queue.ts';

/** What one batch did, and where the next one starts. */
export interface BatchResult {
  readonly cursor: unknown;
  /** How many items this batch examined, for progress. */
  readonly done: number;
  /** The number of items in all, once known. */
  readonly total?: number | undefined;
  readonly finished: boolean;
}

/**
 * The work of one kind of job, done a batch at a time. Each batch runs in a
 * transaction that also records its progress, so it must leave the same
 * result however often it runs from the same cursor.
 */
export type JobHandler = (trx: Db, job: Job, batch: { size: number }) => Promise<BatchResult>;

export interface JobRunnerOptions {
  readonly handlers: Readonly<Record<string, JobHandler>>;
  /** How long a claimed job stays claimed without a batch committing; a dead runner's jobs wait this long. */
  readonly leaseSeconds: number;
  readonly batchSize: number;
  /** How often an idle runner looks for jobs queued by other processes. */
  readonly pollMs?: number;
  readonly onError?: (job: Job, error: unknown) => void;
}

const maxAttempts = 5;

class LeaseLost extends Error {}

const sleep = (ms: number, wake: (resolve: () => void) => void) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake(() => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Runs queued jobs from the database, one at a time, batch by batch. Several
 * runners (in one process or many) share the queue: a job is claimed under a
 * lease and each batch is fenced by it.
 */
export class JobRunner {
  readonly #db: Db;
  readonly #options: JobRunnerOptions;
  readonly #owner = `runner-${newId()}`;
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(db: Db, options: JobRunnerOptions) {
    this.#db = db;
    this.#options = options;
  }

  /** Polls for jobs until stopped; wakes at once when this process queues one. */
  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#unsubscribe = onJobsQueued(() => this.#wake?.());
    this.#running = (async () => {
      while (!this.#stopping) {
        const worked = await this.runOne().catch(() => false);
        if (!worked && !this.#stopping)
          await sleep(this.#options.pollMs ?? 1000, (resolve) => {
            this.#wake = resolve;
          });
      }
    })();
  }

  /** Finishes the batch in hand, hands its job back and stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    this.#unsubscribe?.();
    await this.#running;
    this.#running = undefined;
  }

  /** Runs jobs (of one org, if given) until none is ready: for tests and for one-off runs. */
  async drain(orgId?: string): Promise<number> {
    let ran = 0;
    while (await this.runOne(orgId)) ran += 1;
    return ran;
  }

  /** Claims one job and runs it to its end (or until stopped); false when none was ready. */
  async runOne(orgId?: string): Promise<boolean> {
    const { leaseSeconds } = this.#options;
    const row = await store.claimJob(this.#db, this.#owner, leaseSeconds, orgId);
    if (!row) return false;
    let job = toJob(row);
    const handler = this.#options.handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for jobs of kind ${job.kind}`);
      for (;;) {
        if (this.#stopping) {
          await store.releaseJob(this.#db, job.id, this.#owner);
          return true;
        }
        const current = job;
        const result = await this.#db.transaction().execute(async (trx) => {
          const batch = await handler(trx, current, { size: this.#options.batchSize });
          const held = await store.advanceJob(trx, current.id, this.#owner, { ...batch, leaseSeconds });
          if (!held) throw new LeaseLost();
          return batch;
        });
        if (result.finished) return true;
        // The embedded database answers without real I/O: without this turn, requests would wait for the whole job.
        await new Promise((resolve) => setImmediate(resolve));
        job = {
          ...job,
          cursor: result.cursor,
          done: job.done + result.done,
          total: result.total ?? job.total,
        };
      }
    } catch (error) {
      if (error instanceof LeaseLost) return true;
      this.#options.onError?.(job, error);
      const retryAt =
        job.attempts < maxAttempts ? new Date(Date.now() + 1000 * 2 ** job.attempts) : undefined;
      // Admins read the error through the API: internals stay in the server's log.
      const shown =
        isMusterError(error) && error.expose ? error.message : 'The job failed; the server log has the cause';
      await store.failJobAttempt(this.#db, job.id, this.#owner, shown, retryAt).catch(() => {});
      return true;
    }
  }
}
