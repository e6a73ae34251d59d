import { after } from 'node:test';
import type { Express } from 'express';
import supertest from 'supertest';
import { buildApp } from '../../src/app.ts';
import { JobRunner } from '../../src/domain/jobs/index.ts';
import { mappingJobHandlers } from '../../src/domain/mappings/index.ts';
import { createLogger } from '../../src/infra/log/index.ts';
import { createMetrics, type Metrics } from '../../src/infra/metrics/index.ts';
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
}

export async function appOn(database: Database, options: TestAppOptions = {}): Promise<TestApp> {
  const metrics = createMetrics(() => database.stats(), { defaultMetrics: false });
  const logger = createLogger({ level: 'error', json: true, silent: process.env.MUSTER_TEST_LOGS !== '1' });
  const app = buildApp({
    config: { bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024, publicUrl },
    adminToken,
    db: database.db,
    logger,
    metrics,
  });
  const failures: unknown[] = [];
  const jobs = new JobRunner(database.db, {
    handlers: mappingJobHandlers,
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
