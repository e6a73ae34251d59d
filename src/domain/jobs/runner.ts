import { isMusterError } from '../../errors.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { sleep } from './claim-loop.ts';
import { type Job, onJobsQueued, toJob } from './queue.ts';

/** The next stretch of a job's work: its items, and where the job stands once they are done. */
export interface JobPage {
  readonly items: readonly string[];
  readonly cursor: unknown;
  /** The number of items in all, once known. */
  readonly total?: number | undefined;
  /** No work remains after these items. */
  readonly finished: boolean;
}

/**
 * The work of one kind of job. `next` reads what comes after the job's
 * cursor; `apply` does the work for some of those items in a transaction of
 * its own, possibly beside another `apply` of the same job on other items,
 * and says what it changed (added to the job's result in that transaction).
 * `apply` must change nothing when run again on the same items: a job
 * resumed after a crash runs again what its last cursor did not cover.
 * `finish` runs in the transaction that ends the job.
 */
export interface JobHandler {
  next(db: Db, job: Job, limit: number): Promise<JobPage>;
  apply(trx: Db, job: Job, items: readonly string[]): Promise<Readonly<Record<string, number>>>;
  finish?(trx: Db, job: Job): Promise<void>;
}

export interface JobRunnerOptions {
  readonly handlers: Readonly<Record<string, JobHandler>>;
  /** How long a claimed job stays claimed without progress; a dead runner's jobs wait this long. */
  readonly leaseSeconds: number;
  /** Items per transaction. */
  readonly batchSize: number;
  /** Transactions a job runs at once, on a server's several cores (the embedded database runs them in turn). */
  readonly parallelism?: number;
  /** How often an idle runner looks for jobs queued by other processes. */
  readonly pollMs?: number;
  readonly onError?: (job: Job, error: unknown) => void;
}

const maxAttempts = 5;

class LeaseLost extends Error {}

/**
 * Runs queued jobs from the database, one at a time, page by page. Several
 * runners (in one process or many) share the queue: a job is claimed under
 * a lease, and its cursor moves only by the lease holder, after the page's
 * work committed. A runner that dies mid-page leaves work its cursor does
 * not cover; whoever resumes runs it again, to no effect.
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

  /** Finishes the page in hand, hands its job back and stops. */
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
    const row = await store.claimJob(this.#db, this.#owner, this.#options.leaseSeconds, orgId);
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
        const page = await this.#step(handler, job);
        if (page.finished) return true;
        job = {
          ...job,
          cursor: page.cursor,
          done: job.done + page.items.length,
          total: page.total ?? job.total,
        };
        // The embedded database answers without real I/O: without this turn, requests would wait for the whole job.
        await new Promise((resolve) => setImmediate(resolve));
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

  /** One page: its items applied in parallel transactions, then the cursor moved, fenced by the lease. */
  async #step(handler: JobHandler, job: Job): Promise<JobPage> {
    const { batchSize, leaseSeconds } = this.#options;
    const lanes = Math.max(1, this.#options.parallelism ?? 1);
    const page = await handler.next(this.#db, job, batchSize * lanes);
    const parts: (readonly string[])[] = [];
    for (let i = 0; i < page.items.length; i += batchSize) parts.push(page.items.slice(i, i + batchSize));
    const applied = await Promise.allSettled(
      parts.map((items) =>
        this.#db.transaction().execute(async (trx) => {
          const result = await handler.apply(trx, job, items);
          await store.addJobResult(trx, job.id, result);
        }),
      ),
    );
    const failed = applied.find((a) => a.status === 'rejected');
    if (failed) throw failed.reason;
    await this.#db.transaction().execute(async (trx) => {
      if (page.finished) await handler.finish?.(trx, job);
      const progress = { ...page, done: page.items.length, leaseSeconds };
      if (!(await store.advanceJob(trx, job.id, this.#owner, progress))) throw new LeaseLost();
    });
    return page;
  }
}
