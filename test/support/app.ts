import { after } from 'node:test';
import type { Express } from 'express';
import supertest from 'supertest';
import { buildApp } from '../../src/app.ts';
import { JobRunner } from '../../src/domain/jobs/index.ts';
import { mappingJobHandlers } from '../../src/domain/mappings/index.ts';
import { SigningKeys, startSession } from '../../src/domain/sessions/index.ts';
import { developmentMasterKey, SecretBox } from '../../src/infra/crypto/index.ts';
import { createDnsResolver } from '../../src/infra/dns/index.ts';
import { newId } from '../../src/infra/ids/index.ts';
import { createLogger } from '../../src/infra/log/index.ts';
import { createMetrics, type Metrics } from '../../src/infra/metrics/index.ts';
import { samlJobHandlers } from '../../src/protocols/saml/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { closeTestDatabase, testDatabase } from './database.ts';

export const adminToken = 'test-admin-token-0123456789-abcdefghijklmnop';
export const publicUrl = 'https://muster.test';

export interface TestApp {
  readonly app: Express;
  readonly database: Database;
  readonly metrics: Metrics;
  /** A supertest agent with no credentials. */
  readonly http: supertest.Agent;
  /** Requests as the super-admin (ADMIN_TOKEN). */
  readonly admin: ReturnType<typeof as>;
  /** Requests with any bearer token. */
  as(token: string): ReturnType<typeof as>;
  /** Background jobs, run when a test drains them (never on their own). */
  readonly jobs: JobRunner;
  /** Runs one org's queued jobs to their end; fails the test if a batch failed. */
  runJobs(orgId: string): Promise<number>;
  /** The keys that sign this app's session tokens. */
  readonly signingKeys: SigningKeys;
  /** Signs a member in directly (no IdP): a Cookie header value carrying the new session's token. */
  sessionFor(orgId: string, userId: string): Promise<{ cookie: string; token: string; sessionId: string }>;
}

function as(app: Express, token: string) {
  const auth = (test: supertest.Test) => test.set('Authorization', `Bearer ${token}`);
  const agent = supertest(app);
  return {
    get: (path: string) => auth(agent.get(path)),
    post: (path: string, body?: object) => auth(agent.post(path)).send(body ?? {}),
    patch: (path: string, body?: object) => auth(agent.patch(path)).send(body ?? {}),
    delete: (path: string) => auth(agent.delete(path)),
  };
}

export interface TestAppOptions {
  readonly bodyLimitBytes?: number;
  /** Users a background job handles per batch; small, so tests cross batch boundaries. */
  readonly jobBatchSize?: number;
  /** PUBLIC_URL; https://muster.test unless given. */
  readonly publicUrl?: string;
  /** ALLOW_INSECURE_LOOPBACK_ISSUERS: metadata URLs served by a test's own local server. */
  readonly allowInsecureLoopbackIssuers?: boolean;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: webhooks to a test's own receiver on 127.0.0.1. */
  readonly webhookAllowPrivateNetworks?: boolean;
  /** DNS_SERVERS: a test's own DNS responder (test/support/dns-server.ts). */
  readonly dnsServers?: readonly string[];
}

export async function appOn(database: Database, options: TestAppOptions = {}): Promise<TestApp> {
  const metrics = createMetrics(() => database.stats(), { defaultMetrics: false });
  const logger = createLogger({ level: 'error', json: true, silent: process.env.MUSTER_TEST_LOGS !== '1' });
  const signingKeys = new SigningKeys(database.db, new SecretBox(developmentMasterKey), {
    issuer: options.publicUrl ?? publicUrl,
  });
  const app = buildApp({
    config: {
      bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
      publicUrl: options.publicUrl ?? publicUrl,
      allowInsecureLoopbackIssuers: options.allowInsecureLoopbackIssuers ?? false,
      webhookAllowPrivateNetworks: options.webhookAllowPrivateNetworks ?? false,
      dnsServers: options.dnsServers,
    },
    adminToken,
    db: database.db,
    logger,
    metrics,
    signingKeys,
  });
  const sessionFor = async (orgId: string, userId: string) => {
    const started = await startSession(
      database.db,
      signingKeys,
      { orgId, userId, connectionId: null, loginId: newId() },
      { actor: { type: 'system', id: null } },
    );
    return { cookie: `muster_session=${started.token}`, token: started.token, sessionId: started.sessionId };
  };
  const failures: unknown[] = [];
  const jobs = new JobRunner(database.db, {
    handlers: {
      ...mappingJobHandlers,
      ...samlJobHandlers({
        dns: createDnsResolver({ servers: options.dnsServers }),
        allowInsecureLoopback: options.allowInsecureLoopbackIssuers ?? false,
      }),
    },
    leaseSeconds: 30,
    batchSize: options.jobBatchSize ?? 7,
    parallelism: 2,
    onError: (_job, error) => failures.push(error),
  });
  const runJobs = async (orgId: string) => {
    const ran = await jobs.drain(orgId);
    const failed = failures.splice(0);
    if (failed.length > 0) throw failed[0];
    return ran;
  };
  return {
    app,
    database,
    metrics,
    jobs,
    runJobs,
    signingKeys,
    sessionFor,
    http: supertest.agent(app),
    admin: as(app, adminToken),
    as: (token) => as(app, token),
  };
}

// Registered when a test file first imports this module, so it runs once all of the file's tests ended.
after(closeTestDatabase);

/** The app over this test file's shared database; the database closes when the file's tests end. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  return appOn(await testDatabase(), options);
}
