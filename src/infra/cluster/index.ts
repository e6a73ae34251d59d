import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../log/index.ts';

export interface WorkerSupervision {
  readonly count: number;
  /** Added to each worker's environment, such as a generated admin token all must share. */
  readonly env: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** A worker that dies sooner than this after its start failed to start: the whole service stops. */
  readonly startupMs?: number;
  /** After the last worker has exited on shutdown. */
  readonly onStopped: () => Promise<void>;
}

/** Whether this process is a worker forked by `superviseWorkers`. */
export const isWorker = (): boolean => cluster.isWorker;

/**
 * Runs `count` worker processes that share the listening port (node:cluster
 * hands connections out in turn). A worker that dies is replaced; one that
 * dies while starting stops everything, since its replacement would only die
 * the same way. SIGTERM or SIGINT is passed on, and the primary exits once
 * every worker has finished its in-flight requests.
 */
export function superviseWorkers(options: WorkerSupervision): void {
  const startupMs = options.startupMs ?? 5_000;
  const { logger } = options;
  const startedAt = new Map<number, number>();
  let stopping = false;
  let exitCode = 0;

  const fork = (): Worker => {
    const worker = cluster.fork(options.env);
    startedAt.set(worker.id, Date.now());
    return worker;
  };
  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  const stop = (signal: NodeJS.Signals, code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info('stopping workers', { signal, workers: live().length });
    for (const worker of live()) worker.process.kill(signal);
    if (live().length === 0) void finish();
  };
  const finish = async () => {
    await options.onStopped();
    process.exit(exitCode);
  };

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (stopping) {
      if (live().length === 0) void finish();
      return;
    }
    if (lived < startupMs && code !== null && code !== 0) {
      logger.error('a worker failed to start; stopping', { pid: worker.process.pid, code, signal });
      stop('SIGTERM', code ?? 1);
      return;
    }
    logger.error('a worker exited; starting another', { pid: worker.process.pid, code, signal });
    fork();
  });
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGINT', () => stop('SIGINT', 0));
  for (let i = 0; i < options.count; i++) fork();
  logger.info('workers started', { workers: options.count });
}
