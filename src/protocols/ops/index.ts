import { Router } from 'express';
import { checkDatabase } from '../../domain/health/index.ts';
import type { Metrics } from '../../infra/metrics/index.ts';
import type { Db } from '../../storage/index.ts';
import { stateOf } from '../http/index.ts';

const readinessTimeoutMs = 2_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function opsRouter(deps: { db: Db; metrics: Metrics; isShuttingDown: () => boolean }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (deps.isShuttingDown()) {
      res.status(503).json({ status: 'unavailable', reason: 'shutting down' });
      return;
    }
    try {
      await withTimeout(checkDatabase(deps.db), readinessTimeoutMs);
      res.json({ status: 'ok' });
    } catch (error) {
      stateOf(res).log.warn('readiness check failed', { error: (error as Error).message });
      res.status(503).json({ status: 'unavailable', reason: 'database does not answer' });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
