import { createServer, type Server } from 'node:http';
import { buildApp } from './app.ts';
import { sweepInvitations } from './domain/invitations/index.ts';
import { JobRunner } from './domain/jobs/index.ts';
import { MailDispatcher } from './domain/mail/index.ts';
import { mappingJobHandlers } from './domain/mappings/index.ts';
import { SigningKeys } from './domain/sessions/index.ts';
import {
  queueMissingMetadataRefreshes,
  ScimRequestLog,
  warnExpiringCertificates,
} from './domain/sources/index.ts';
import { WebhookDispatcher } from './domain/webhooks/index.ts';
import { isWorker, superviseWorkers } from './infra/cluster/index.ts';
import { type Config, ConfigError, loadConfig } from './infra/config/index.ts';
import { developmentMasterKey, randomSecret, SecretBox } from './infra/crypto/index.ts';
import { createDnsResolver } from './infra/dns/index.ts';
import { createLogger, type Logger } from './infra/log/index.ts';
import { logTransport, smtpTransport } from './infra/mail/index.ts';
import { createMetrics } from './infra/metrics/index.ts';
import { samlJobHandlers } from './protocols/saml/index.ts';
import {
  type Database,
  DataDirLockedError,
  MigrationError,
  migrate,
  needsOwnUpkeep,
  openDatabase,
  releaseRunningJobs,
  releaseWebhookLeases,
  startUpkeep,
  type Upkeep,
} from './storage/index.ts';

/** Start-up failures a person can fix get one line and a non-zero exit; anything else is a bug with a stack. */
function fail(message: string, code = 1): never {
  process.stderr.write(`muster: ${message}\n`);
  process.exit(code);
}

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid setting ${error.message}`, 78);
    throw error;
  }
}

function adminTokenFor(config: Config, logger: Logger): string {
  if (config.adminToken) return config.adminToken;
  const token = randomSecret(32);
  logger.warn(`ADMIN_TOKEN is not set; this run accepts the generated token ${token}`);
  return token;
}

async function openAndMigrate(config: Config, logger: Logger): Promise<Database> {
  let database: Database;
  try {
    database = config.databaseUrl
      ? await openDatabase({ url: config.databaseUrl, poolMax: config.databasePoolMax })
      : await openDatabase({ dataDir: config.dataDir });
  } catch (error) {
    if (error instanceof DataDirLockedError) fail(`DATA_DIR: ${error.message}`);
    throw error;
  }
  try {
    const ran = await migrate(database);
    logger.info('database ready', { engine: database.engine, location: database.location, migrated: ran });
  } catch (error) {
    await database.close().catch(() => {});
    if (error instanceof MigrationError) fail(error.message);
    fail(`database: ${(error as Error).message}`);
  }
  return database;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * With WORKERS > 1 this process migrates, keeps table statistics and
 * supervises the workers; the workers serve. Otherwise it does both.
 */
async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ level: config.logLevel, json: config.env === 'production' });
  if (config.workers > 1 && !isWorker()) {
    await supervise(config, logger);
    return;
  }
  await serve(config, logger);
}

async function supervise(config: Config, logger: Logger): Promise<void> {
  if (!config.masterKey) logger.warn('MASTER_KEY is not set; stored secrets use the development key');
  const adminToken = adminTokenFor(config, logger);
  const database = await openAndMigrate({ ...config, databasePoolMax: 2 }, logger);
  const upkeep = await upkeepFor(database, logger);
  const jobs = await startJobs(database, config, logger);
  const webhooks = await startWebhooks(database, config, logger);
  const mail = startMail(database, config, logger);
  const certificates = startHourlyChecks(database, config, logger);
  superviseWorkers({
    count: config.workers,
    env: { ADMIN_TOKEN: adminToken },
    logger,
    onStopped: async () => {
      certificates.stop();
      await webhooks.stop();
      await mail.stop();
      await jobs.stop();
      await upkeep?.stop();
      await database.close();
      logger.info('stopped');
    },
  });
}

/**
 * Background jobs (group mapping reconciliations) run in the process that
 * owns the upkeep. The embedded database has one process, so jobs it left
 * running when it stopped are its own and resume at once.
 */
async function startJobs(database: Database, config: Config, logger: Logger): Promise<JobRunner> {
  if (database.engine === 'pglite') {
    const resumed = await releaseRunningJobs(database.db);
    if (resumed > 0) logger.info('resuming background jobs', { jobs: resumed });
  }
  // Metadata URLs are re-read daily; a connection whose refresh failed for good gets a new one now.
  const refreshes = await queueMissingMetadataRefreshes(database.db);
  if (refreshes > 0) logger.info('queued metadata refreshes', { connections: refreshes });
  const metadataSource = {
    dns: createDnsResolver({ servers: config.dnsServers }),
    allowInsecureLoopback: config.allowInsecureLoopbackIssuers,
  };
  const runner = new JobRunner(database.db, {
    handlers: { ...mappingJobHandlers, ...samlJobHandlers(metadataSource) },
    leaseSeconds: config.jobLeaseSeconds,
    batchSize: config.jobBatchSize,
    parallelism: config.jobParallelism,
    onError: (job, error) =>
      logger.warn('background job failed', { jobId: job.id, kind: job.kind, error: String(error) }),
  });
  runner.start();
  return runner;
}

/**
 * Webhook deliveries run beside the background jobs, in the process that
 * owns them. With the embedded database, endpoints a stopped process held
 * are its own: they resume at once, from their last committed delivery.
 */
async function startWebhooks(database: Database, config: Config, logger: Logger): Promise<WebhookDispatcher> {
  if (config.webhookAllowPrivateNetworks)
    logger.warn('WEBHOOK_ALLOW_PRIVATE_NETWORKS is on: webhooks may reach loopback and private addresses');
  if (database.engine === 'pglite') await releaseWebhookLeases(database.db);
  const dns = createDnsResolver({ servers: config.dnsServers });
  const dispatcher = new WebhookDispatcher(database.db, {
    box: new SecretBox(config.masterKey ?? developmentMasterKey),
    network: {
      lookupHost: (host) => dns.lookupHost(host),
      allowPrivateNetworks: config.webhookAllowPrivateNetworks,
    },
    leaseSeconds: config.jobLeaseSeconds,
    onError: (error) => logger.warn('webhook delivery failed', { error: String(error) }),
  });
  dispatcher.start();
  return dispatcher;
}

/**
 * The mail outbox is sent beside the webhooks, in the process that owns
 * the background jobs: to SMTP_URL, or, without it, to the log, where the
 * operator of a fresh install reads it.
 */
function startMail(database: Database, config: Config, logger: Logger): { stop(): Promise<void> } {
  const transport = config.smtpUrl
    ? smtpTransport({ url: config.smtpUrl, from: config.mailFrom })
    : logTransport(logger);
  if (config.smtpUrl)
    logger.info('mail goes to an SMTP server', { smtp: transport.target, from: config.mailFrom });
  else logger.warn('SMTP_URL is not set; mail is written to the log and the mail_outbox table, not sent');
  const dispatcher = new MailDispatcher(database.db, {
    transport,
    leaseSeconds: config.jobLeaseSeconds,
    onError: (error) => logger.warn('mail dispatch failed', { error: String(error) }),
    onFailed: ({ retryAt, ...failure }) =>
      retryAt
        ? logger.warn('mail not sent; will retry', { ...failure, retryAt: retryAt.toISOString() })
        : logger.error('mail not sent; given up', failure),
  });
  dispatcher.start();
  return {
    stop: async () => {
      await dispatcher.stop();
      transport.close();
    },
  };
}

/**
 * Hourly, from start-up on: connection certificates that end within 30
 * days are announced, once each; invitations past their end are marked
 * expired, and those ending within a day get their reminder.
 */
function startHourlyChecks(database: Database, config: Config, logger: Logger): { stop(): void } {
  const check = () =>
    Promise.all([
      warnExpiringCertificates(database.db).then((warned) => {
        if (warned > 0) logger.info('connection certificates expiring', { certificates: warned });
      }),
      sweepInvitations(database.db, { publicUrl: config.publicUrl }).then(({ expired, reminded }) => {
        if (expired + reminded > 0) logger.info('invitations swept', { expired, reminded });
      }),
    ]).catch((error: unknown) => logger.warn('hourly checks failed', { error: String(error) }));
  void check();
  const timer = setInterval(check, 3600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

async function upkeepFor(database: Database, logger: Logger): Promise<Upkeep | undefined> {
  if (!(await needsOwnUpkeep(database))) return undefined;
  return startUpkeep(database, {
    onPass: (tables) => logger.debug('statistics refreshed', { tables }),
    onError: (error) => logger.warn('table upkeep failed', { error: String(error) }),
  });
}

async function serve(config: Config, logger: Logger): Promise<void> {
  const worker = isWorker();
  if (!config.masterKey && !worker)
    logger.warn('MASTER_KEY is not set; stored secrets use the development key');
  const adminToken = adminTokenFor(config, logger);
  const database = await openAndMigrate(config, logger);
  const metrics = createMetrics(() => database.stats());
  // Workers leave the upkeep and the background jobs to the process that supervises them.
  const upkeep = worker ? undefined : await upkeepFor(database, logger);
  const jobs = worker ? undefined : await startJobs(database, config, logger);
  const webhooks = worker ? undefined : await startWebhooks(database, config, logger);
  const mail = worker ? undefined : startMail(database, config, logger);
  const certificates = worker ? undefined : startHourlyChecks(database, config, logger);
  let shuttingDown = false;
  const scimRequestLog = new ScimRequestLog(database.db, {
    onError: (error, lost) => logger.warn('SCIM request log not written', { error: String(error), lost }),
  });
  const signingKeys = new SigningKeys(database.db, new SecretBox(config.masterKey ?? developmentMasterKey), {
    issuer: config.publicUrl,
    sessionTtlSeconds: config.sessionTtlSeconds,
    tokenTtlSeconds: config.sessionTokenTtlSeconds,
    onRotated: (kid) => logger.info('new session signing key', { kid }),
  });
  // A key made (or rotated) now, not by the first sign-in; several processes starting at once make one.
  await signingKeys.prepare();
  const app = buildApp({
    config,
    adminToken,
    db: database.db,
    logger,
    metrics,
    isShuttingDown: () => shuttingDown,
    scimRequestLog,
    signingKeys,
  });
  const httpServer = createServer(app);
  try {
    await listen(httpServer, config.port);
  } catch (error) {
    await database.close();
    fail(
      `PORT: cannot listen on ${config.port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  logger.info(`Muster listening on ${config.publicUrl}`, { port: config.port, pid: process.pid });

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info('shutting down', { signal });
    // Stop accepting; in-flight requests finish; idle keep-alive connections close now.
    const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeIdleConnections();
    const grace = setTimeout(() => {
      logger.warn('grace period over; closing remaining connections');
      httpServer.closeAllConnections();
    }, config.shutdownGraceSeconds * 1000);
    await closed;
    clearTimeout(grace);
    // Only after the last request: its log line is written, pending transactions commit and PGlite flushes its files.
    await scimRequestLog.flush();
    certificates?.stop();
    await webhooks?.stop();
    await mail?.stop();
    await jobs?.stop();
    await upkeep?.stop();
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
