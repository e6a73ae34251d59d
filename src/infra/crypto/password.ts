import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { MusterError, rateLimited } from '../../errors.ts';
import type { HashJob, HashResult } from './password-worker.ts';

/**
 * Password hashing: argon2id (RFC 9106) through hash-wasm, stored as a PHC
 * string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), so each hash
 * names the parameters it was made with and they can be raised later.
 *
 * The parameters are OWASP's first argon2id choice, m=19 MiB, t=2, p=1,
 * measured on this project's machines (2 cores, AMD EPYC, Node 20,
 * hash-wasm 4.13), with the box busy with other work (load average 4 to 6):
 *
 *   m=19 MiB t=2 p=1   51-58 ms at p10, 62-83 ms at p50, 72-96 ms at p90 a hash,
 *                      as much CPU time; two threads: 13.5 hashes a second
 *   m=46 MiB t=1 p=1   99 ms at p50
 *   m=64 MiB t=2 p=1   268 ms at p50
 *   m=9 MiB  t=4 p=1   41 ms at p50 (OWASP's lowest-memory choice)
 *
 * The 38 ms first quoted for these parameters was not reproduced with
 * hash-wasm (WebAssembly) on the busy box, hence no more than OWASP's
 * cheapest choice that keeps 19 MiB of memory per guess: an attacker's GPU
 * pays for the memory, not the time. Against
 * scrypt at N=2^17 (500 ms and 128 MiB here) it costs about a seventh of
 * the time and of the memory. See docs/accounts.md.
 *
 * Hashes run in worker threads, at most `concurrency` at once (2, one per
 * core), with a short queue behind them (8): beyond it a sign-in is
 * answered 429 with Retry-After instead of waiting, so a flood of login
 * posts costs at most two cores' worth of hashing and 2 × 19 MiB, and the
 * event loop keeps serving everything else.
 */
export interface PasswordHashParams {
  /** Memory in KiB (argon2's m). */
  readonly memoryKiB: number;
  /** Passes over the memory (t). */
  readonly iterations: number;
  /** Lanes (p). */
  readonly parallelism: number;
}

export const passwordHashParams: PasswordHashParams = { memoryKiB: 19 * 1024, iterations: 2, parallelism: 1 };

const saltBytes = 16;
const hashBytes = 32;

/** What a stored hash may ask for: a hash outside these bounds is refused, never computed. */
const bounds = { memoryKiB: [8, 256 * 1024], iterations: [1, 16], parallelism: [1, 8] } as const;

interface Phc extends PasswordHashParams {
  readonly salt: Buffer;
  readonly digest: Buffer;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

function encodePhc(params: PasswordHashParams, salt: Uint8Array, digest: Uint8Array): string {
  return `$argon2id$v=19$m=${params.memoryKiB},t=${params.iterations},p=${params.parallelism}$${b64(salt)}$${b64(digest)}`;
}

const phcPattern =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,86})\$([A-Za-z0-9+/]{22,86})$/;

/** A stored argon2id hash, parsed; undefined when it is not one this code can check. */
function parsePhc(encoded: string): Phc | undefined {
  const m = phcPattern.exec(encoded);
  if (!m) return undefined;
  const [memoryKiB, iterations, parallelism] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const within = (value: number, [low, high]: readonly [number, number]) => value >= low && value <= high;
  if (
    !within(memoryKiB, bounds.memoryKiB) ||
    !within(iterations, bounds.iterations) ||
    !within(parallelism, bounds.parallelism) ||
    memoryKiB < 8 * parallelism
  )
    return undefined;
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const digest = Buffer.from(m[5] ?? '', 'base64');
  if (salt.length < 8 || digest.length < 16) return undefined;
  return { memoryKiB, iterations, parallelism, salt, digest };
}

/** The parameters a stored hash was made with; undefined when it is not an argon2id PHC string. */
export function passwordHashParamsOf(encoded: string): PasswordHashParams | undefined {
  const phc = parsePhc(encoded);
  return phc && { memoryKiB: phc.memoryKiB, iterations: phc.iterations, parallelism: phc.parallelism };
}

/**
 * Passwords are compared as Unicode NFKC (NIST SP 800-63B 5.1.1.2): the
 * same password typed on two keyboards, composed or not, is one password.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export interface PasswordHasherOptions {
  /** Hashes computed at once, each on a thread of its own (default 2). */
  readonly concurrency?: number;
  /** Hashes that may wait for a thread (default 8); one more is refused with 429. */
  readonly queueLimit?: number;
  readonly params?: PasswordHashParams;
}

export interface PasswordHasherStats {
  /** Hashes being computed now. */
  readonly running: number;
  /** Hashes waiting for a thread. */
  readonly queued: number;
  /** Hashes computed since the hasher was made (hashes and verifications alike). */
  readonly computed: number;
  /** Hashes refused because the queue was full. */
  readonly refused: number;
}

interface Pending {
  readonly job: HashJob;
  resolve(result: HashResult): void;
  reject(error: unknown): void;
}

interface Thread {
  readonly worker: Worker;
  busy: Pending | undefined;
}

/** The worker's module beside this one; under tsx (a .ts file) the thread registers tsx first. */
function startWorker(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./password-worker.js', self));
  const worker = new URL('./password-worker.ts', self).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(worker)}); })`;
  return new Worker(boot, { eval: true, execArgv: [] });
}

export class PasswordHasher {
  readonly params: PasswordHashParams;
  readonly #concurrency: number;
  readonly #queueLimit: number;
  readonly #threads: Thread[] = [];
  readonly #queue: Pending[] = [];
  /** Stands in for a missing account's hash, so an unknown email costs what a known one does. */
  readonly #dummy: string;
  #nextId = 1;
  #computed = 0;
  #refused = 0;

  constructor(options: PasswordHasherOptions = {}) {
    this.params = options.params ?? passwordHashParams;
    this.#concurrency = Math.max(1, options.concurrency ?? 2);
    this.#queueLimit = Math.max(0, options.queueLimit ?? 8);
    this.#dummy = encodePhc(this.params, randomBytes(saltBytes), randomBytes(hashBytes));
  }

  /** A fresh salt and the password's argon2id hash, as a PHC string. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(saltBytes);
    const result = await this.#submit({ password, salt, ...this.params, hashLength: hashBytes });
    if (!('digest' in result)) throw new MusterError('internal', 'Password hash failed');
    return encodePhc(this.params, salt, result.digest);
  }

  /**
   * Whether the password matches a stored hash, compared in constant time.
   * Without a hash (no such account), or with one this code cannot read,
   * a hash of the same cost is still computed, and the answer is false.
   */
  async verify(password: string, encoded: string | null | undefined): Promise<boolean> {
    const stored = encoded ? parsePhc(encoded) : undefined;
    const phc = stored ?? (parsePhc(this.#dummy) as Phc);
    const result = await this.#submit({
      password,
      salt: phc.salt,
      memoryKiB: phc.memoryKiB,
      iterations: phc.iterations,
      parallelism: phc.parallelism,
      hashLength: phc.digest.length,
      expected: phc.digest,
    });
    return stored !== undefined && 'matches' in result && result.matches;
  }

  /** Whether a stored hash was made with other parameters than today's: rehash it at the next sign-in. */
  needsRehash(encoded: string): boolean {
    const phc = parsePhc(encoded);
    return (
      !phc ||
      phc.memoryKiB !== this.params.memoryKiB ||
      phc.iterations !== this.params.iterations ||
      phc.parallelism !== this.params.parallelism ||
      phc.digest.length !== hashBytes
    );
  }

  stats(): PasswordHasherStats {
    return {
      running: this.#threads.filter((t) => t.busy).length,
      queued: this.#queue.length,
      computed: this.#computed,
      refused: this.#refused,
    };
  }

  /** Stops the threads; hashes still running or waiting fail. */
  async close(): Promise<void> {
    const closing = new MusterError('unavailable', 'Password hashing stopped');
    for (const pending of this.#queue.splice(0)) pending.reject(closing);
    const threads = this.#threads.splice(0);
    for (const thread of threads) thread.busy?.reject(closing);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  #submit(job: Omit<HashJob, 'id' | 'password'> & { password: string }): Promise<HashResult> {
    return new Promise<HashResult>((resolve, reject) => {
      if (job.password === '') {
        reject(new MusterError('validation_failed', 'A password cannot be empty'));
        return;
      }
      const pending: Pending = {
        job: { ...job, id: this.#nextId++, password: normalizePassword(job.password) },
        resolve,
        reject,
      };
      const thread = this.#idleThread();
      if (thread) this.#start(thread, pending);
      else if (this.#queue.length < this.#queueLimit) this.#queue.push(pending);
      else {
        this.#refused++;
        reject(rateLimited('Too many sign-ins are being checked right now: try again in a moment', 1));
      }
    });
  }

  #idleThread(): Thread | undefined {
    const idle = this.#threads.find((t) => !t.busy);
    if (idle || this.#threads.length >= this.#concurrency) return idle;
    const thread: Thread = { worker: startWorker(), busy: undefined };
    thread.worker.on('message', (result: HashResult) => this.#finish(thread, result));
    thread.worker.on('error', (error) => this.#lose(thread, error));
    thread.worker.on('exit', (code) => this.#lose(thread, new Error(`hash thread exited (${code})`)));
    this.#threads.push(thread);
    return thread;
  }

  #start(thread: Thread, pending: Pending): void {
    thread.busy = pending;
    // A thread at work keeps the process alive; an idle one does not.
    thread.worker.ref();
    thread.worker.postMessage(pending.job);
  }

  #finish(thread: Thread, result: HashResult): void {
    const pending = thread.busy;
    thread.busy = undefined;
    if (pending && pending.job.id === result.id) {
      this.#computed++;
      if ('error' in result)
        pending.reject(new MusterError('internal', 'Password hash failed', { cause: result.error }));
      else pending.resolve(result);
    }
    this.#next(thread);
  }

  /** A thread that failed or exited: its hash fails, the queue moves on to a new thread. */
  #lose(thread: Thread, error: unknown): void {
    const index = this.#threads.indexOf(thread);
    if (index < 0) return;
    this.#threads.splice(index, 1);
    thread.busy?.reject(new MusterError('internal', 'Password hash failed', { cause: error }));
    thread.busy = undefined;
    void thread.worker.terminate();
    const waiting = this.#queue.shift();
    if (!waiting) return;
    const next = this.#idleThread();
    if (next) this.#start(next, waiting);
    else this.#queue.unshift(waiting);
  }

  #next(thread: Thread): void {
    const waiting = this.#queue.shift();
    if (waiting) this.#start(thread, waiting);
    else thread.worker.unref();
  }
}

/** The process's hasher: every password hash of every request goes through it, so the cap holds. */
export const passwordHasher = new PasswordHasher();
