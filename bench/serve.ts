/**
 * Where the bench sends its requests: Muster built in this process on a
 * given database, or `src/main.ts` started with WORKERS processes on a
 * PostgreSQL server, as it runs in production. The bench client then has a
 * process of its own, as an IdP would.
 */

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.ts';
import { JobRunner } from '../src/domain/jobs/index.ts';
import { mappingJobHandlers } from '../src/domain/mappings/index.ts';
import { WebhookDispatcher } from '../src/domain/webhooks/index.ts';
import { developmentMasterKey, SecretBox } from '../src/infra/crypto/index.ts';
import { createDnsResolver } from '../src/infra/dns/index.ts';
import { createLogger } from '../src/infra/log/index.ts';
import { createMetrics } from '../src/infra/metrics/index.ts';
import {
  type Database,
  type Db,
  grownSinceUpkeep,
  migrate,
  needsOwnUpkeep,
  openDatabase,
  releaseWebhookLeases,
  startUpkeep,
  tableSizes,
} from '../src/storage/index.ts';

export const adminToken = 'bench-admin-token-0123456789abcdefghijklmnop';

export interface Served {
  readonly origin: string;
  /** How Muster runs, for the report. */
  readonly shape: string;
  /** Resolves once no table awaits its vacuum and analyze; says how many ms that took. */
  settled(): Promise<number>;
  stop(): Promise<void>;
}

/** Polls until every grown table has been vacuumed, by Muster's upkeep or the server's autovacuum. */
async function waitSettled(db: Db): Promise<number> {
  const started = Date.now();
  for (;;) {
    const sizes = await tableSizes(db);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if ((await grownSinceUpkeep(db, sizes)).length === 0) return Date.now() - started;
    if (Date.now() - started > 180_000) throw new Error('tables still awaited their vacuum after 180 s');
  }
}

/**
 * Muster in this process, with the upkeep, background jobs and webhook
 * deliveries `npm start` would run; webhooks may reach loopback, where the
 * events bench listens.
 */
export async function serveInProcess(database: Database): Promise<Served> {
  await migrate(database);
  const logger = createLogger({ level: 'error', json: true, silent: true });
  const metrics = createMetrics(() => database.stats(), { defaultMetrics: false });
  const app = buildApp({
    config: { bodyLimitBytes: 1 << 20, publicUrl: 'http://127.0.0.1', webhookAllowPrivateNetworks: true },
    adminToken,
    db: database.db,
    logger,
    metrics,
  });
  const upkeep = (await needsOwnUpkeep(database)) ? startUpkeep(database) : undefined;
  // As `npm start` runs them: background jobs with the default lease and batch size.
  const jobs = new JobRunner(database.db, {
    handlers: mappingJobHandlers,
    leaseSeconds: 30,
    batchSize: 2000,
  });
  jobs.start();
  // As `npm start` runs them (startWebhooks in src/main.ts): the default lease, DNS and options.
  if (database.engine === 'pglite') await releaseWebhookLeases(database.db);
  const dns = createDnsResolver();
  const webhooks = new WebhookDispatcher(database.db, {
    box: new SecretBox(developmentMasterKey),
    network: { lookupHost: (host) => dns.lookupHost(host), allowPrivateNetworks: true },
    leaseSeconds: 30,
    onError: (error) => process.stderr.write(`webhook delivery failed: ${String(error)}\n`),
  });
  webhooks.start();
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    shape: 'in the bench process',
    settled: () => waitSettled(database.db),
    stop: async () => {
      await new Promise((resolve) => server.close(resolve));
      await webhooks.stop();
      await jobs.stop();
      await upkeep?.stop();
      await database.close();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1');
    probe.once('error', reject);
    probe.once('listening', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `node src/main.ts` with WORKERS=n on the server at `url`; resolves once it
 * answers /readyz. Its supervising process delivers webhooks, which may
 * reach loopback, where the events bench listens.
 */
export async function serveWorkers(url: string, workers: number): Promise<Served> {
  const port = await freePort();
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      WORKERS: String(workers),
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Muster exited with ${child.exitCode} while starting`);
    const ready = await fetch(`${origin}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('Muster did not become ready in 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const observer = await openDatabase({ url, poolMax: 1 });
  return {
    origin,
    shape: `${workers} worker process${workers === 1 ? '' : 'es'} (WORKERS=${workers})`,
    settled: () => waitSettled(observer.db),
    stop: async () => {
      await observer.close();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
