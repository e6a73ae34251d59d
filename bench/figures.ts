/** Timing and reporting shared by the bench's phases: one line per figure, with its target on PostgreSQL. */

/** Every timed phase stops issuing requests at its count or after this long, whichever comes first. */
export const phaseBudgetSeconds = 60;
export interface Figures {
  readonly count: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
}

export interface Target {
  readonly text: string;
  readonly met: boolean;
}

export function figuresOf(latencies: number[], seconds: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { count: sorted.length, seconds, p50: at(0.5), p99: at(0.99) };
}

/**
 * Runs `call` up to `count` times with `concurrency` in flight, stopping
 * early after `budgetSeconds`: each call's latency, and the wall time.
 */
export async function run(
  count: number,
  concurrency: number,
  budgetSeconds: number,
  call: (i: number) => Promise<void> | void,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + budgetSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && performance.now() < deadline) {
        const i = next++;
        const t0 = performance.now();
        await call(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** `run`, as the figures a line of the report shows. */
export async function timed(
  count: number,
  concurrency: number,
  budgetSeconds: number,
  call: (i: number) => Promise<void>,
): Promise<Figures> {
  const { latencies, seconds } = await run(count, concurrency, budgetSeconds, call);
  return figuresOf(latencies, seconds);
}

function withTarget(engine: string, target: Target | undefined): string {
  if (!target || engine !== 'postgres') return '';
  return `   target ${target.text}: ${target.met ? 'met' : 'MISSED'}`;
}

/** One line per figure, as bench/run.ts prints them. */
export function report(engine: string, name: string, f: Figures, target?: Target): void {
  const rate = (f.count / f.seconds).toFixed(0).padStart(6);
  process.stdout.write(
    `${engine.padEnd(8)} ${name.padEnd(44)} ${rate}/s   p50 ${f.p50.toFixed(2).padStart(6)} ms   p99 ${f.p99.toFixed(2).padStart(7)} ms   (n=${f.count})${withTarget(engine, target)}\n`,
  );
}

export function reportValue(engine: string, name: string, value: string, target?: Target): void {
  process.stdout.write(
    `${engine.padEnd(8)} ${name.padEnd(44)} ${value.padStart(8)}${withTarget(engine, target)}\n`,
  );
}

export const thousands = (n: number) => n.toLocaleString('en-US');

/** mulberry32: the same "random" users on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
