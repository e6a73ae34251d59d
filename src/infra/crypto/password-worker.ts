import { timingSafeEqual } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { argon2id } from 'hash-wasm';

/**
 * A password hashing thread. hash-wasm computes argon2id synchronously on
 * the thread that calls it; here that thread is not the one serving
 * requests, so a hash in progress never holds up the event loop.
 */
export interface HashJob {
  readonly id: number;
  readonly password: string;
  readonly salt: Uint8Array;
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
  readonly hashLength: number;
  /** To verify: the digest to compare with, in constant time. Absent: return the digest. */
  readonly expected?: Uint8Array;
}

export type HashResult =
  | { readonly id: number; readonly digest: Uint8Array }
  | { readonly id: number; readonly matches: boolean }
  | { readonly id: number; readonly error: string };

async function run(job: HashJob): Promise<HashResult> {
  const digest = await argon2id({
    password: job.password,
    salt: job.salt,
    memorySize: job.memoryKiB,
    iterations: job.iterations,
    parallelism: job.parallelism,
    hashLength: job.hashLength,
    outputType: 'binary',
  });
  if (!job.expected) return { id: job.id, digest };
  const expected = Buffer.from(job.expected);
  // The lengths are the stored hash's own (hashLength comes from it): comparing them leaks nothing.
  return {
    id: job.id,
    matches: expected.length === digest.length && timingSafeEqual(Buffer.from(digest), expected),
  };
}

parentPort?.on('message', (job: HashJob) => {
  run(job).then(
    (result) => parentPort?.postMessage(result),
    (error: unknown) => parentPort?.postMessage({ id: job.id, error: String(error) }),
  );
});
