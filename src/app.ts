import express, { type Express } from 'express';
import { ScimRequestLog } from './domain/sources/index.ts';
import type { Config } from './infra/config/index.ts';
import type { Logger } from './infra/log/index.ts';
import type { Metrics } from './infra/metrics/index.ts';
import { adminApiRouter } from './protocols/admin-api/index.ts';
import { jsonBody, notFoundHandler, renderJsonError, requestContext } from './protocols/http/index.ts';
import { opsRouter } from './protocols/ops/index.ts';
import { scimService } from './protocols/scim/index.ts';
import type { Db } from './storage/index.ts';

export interface AppDeps {
  readonly config: Pick<Config, 'bodyLimitBytes' | 'publicUrl'>;
  readonly adminToken: string;
  readonly db: Db;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** True once shutdown began: readiness fails so load balancers drain this process. */
  readonly isShuttingDown?: () => boolean;
  /** Written in batches; main flushes it at shutdown. Built here when not given. */
  readonly scimRequestLog?: ScimRequestLog;
}

/** Mounts every edge on one Express app; never listens, so tests drive it directly. */
export function buildApp(deps: AppDeps): Express {
  const scimRequestLog =
    deps.scimRequestLog ??
    new ScimRequestLog(deps.db, {
      onError: (error, lost) =>
        deps.logger.warn('SCIM request log not written', { error: String(error), lost }),
    });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestContext(deps.logger, deps.metrics));
  app.use(
    opsRouter({ db: deps.db, metrics: deps.metrics, isShuttingDown: deps.isShuttingDown ?? (() => false) }),
  );
  app.use(
    '/api/v1',
    jsonBody(deps.config.bodyLimitBytes),
    adminApiRouter({
      db: deps.db,
      adminToken: deps.adminToken,
      publicUrl: deps.config.publicUrl,
      scimRequestLog,
    }),
  );
  app.use(
    scimService({
      db: deps.db,
      publicUrl: deps.config.publicUrl,
      bodyLimitBytes: deps.config.bodyLimitBytes,
      requestLog: scimRequestLog,
    }),
  );
  app.use(notFoundHandler);
  app.use(renderJsonError);
  return app;
}
