import express, { type Express } from 'express';
import { SigningKeys } from './domain/sessions/index.ts';
import { ScimRequestLog } from './domain/sources/index.ts';
import type { Config } from './infra/config/index.ts';
import { derivedKey, developmentMasterKey, SecretBox } from './infra/crypto/index.ts';
import { createDnsResolver } from './infra/dns/index.ts';
import type { Logger } from './infra/log/index.ts';
import type { Metrics } from './infra/metrics/index.ts';
import { adminApiRouter } from './protocols/admin-api/index.ts';
import { consoleRouter } from './protocols/console/index.ts';
import {
  jsonBody,
  notFoundHandler,
  renderJsonError,
  requestContext,
  stylesheetHandler,
} from './protocols/http/index.ts';
import { inviteRouter } from './protocols/invite/index.ts';
import { loginRouter } from './protocols/login/index.ts';
import { opsRouter } from './protocols/ops/index.ts';
import { samlMetadataRouter } from './protocols/saml/index.ts';
import { scimService } from './protocols/scim/index.ts';
import { setupRouter } from './protocols/setup/index.ts';
import { samlSingleLogout, sessionRouter, signInFlows, signInRouter } from './protocols/sso/index.ts';
import type { Db } from './storage/index.ts';

export interface AppDeps {
  readonly config: Pick<Config, 'bodyLimitBytes' | 'publicUrl'> &
    Partial<
      Pick<
        Config,
        | 'masterKey'
        | 'sessionTtlSeconds'
        | 'sessionTokenTtlSeconds'
        | 'allowInsecureLoopbackIssuers'
        | 'dnsServers'
        | 'webhookAllowPrivateNetworks'
        | 'trustProxyHops'
      >
    >;
  readonly adminToken: string;
  readonly db: Db;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** True once shutdown began: readiness fails so load balancers drain this process. */
  readonly isShuttingDown?: () => boolean;
  /** Written in batches; main flushes it at shutdown. Built here when not given. */
  readonly scimRequestLog?: ScimRequestLog;
  /** The keys that sign session tokens; main prepares them at start-up. Built here when not given. */
  readonly signingKeys?: SigningKeys;
}

/** Mounts every edge on one Express app; never listens, so tests drive it directly. */
export function buildApp(deps: AppDeps): Express {
  const scimRequestLog =
    deps.scimRequestLog ??
    new ScimRequestLog(deps.db, {
      onError: (error, lost) =>
        deps.logger.warn('SCIM request log not written', { error: String(error), lost }),
    });
  const secretBox = new SecretBox(deps.config.masterKey ?? developmentMasterKey);
  const sso = {
    secretBox,
    dns: createDnsResolver({ servers: deps.config.dnsServers }),
    allowInsecureLoopback: deps.config.allowInsecureLoopbackIssuers ?? false,
  };
  const signingKeys =
    deps.signingKeys ??
    new SigningKeys(deps.db, secretBox, {
      issuer: deps.config.publicUrl,
      sessionTtlSeconds: deps.config.sessionTtlSeconds,
      tokenTtlSeconds: deps.config.sessionTokenTtlSeconds,
    });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Behind proxies the operator named, req.ip is the client's address they report (sign-in throttling counts by it).
  if (deps.config.trustProxyHops) app.set('trust proxy', deps.config.trustProxyHops);
  app.use(requestContext(deps.logger, deps.metrics));
  app.get('/assets/muster.css', stylesheetHandler);
  app.use(
    opsRouter({ db: deps.db, metrics: deps.metrics, isShuttingDown: deps.isShuttingDown ?? (() => false) }),
  );
  // Before the admin API: /api/v1/me takes a session, not the admin API's bearer credentials.
  const signIn = {
    db: deps.db,
    publicUrl: deps.config.publicUrl,
    secretBox,
    keys: signingKeys,
    network: { dns: sso.dns, allowInsecureLoopback: sso.allowInsecureLoopback },
  };
  const flows = signInFlows(signIn);
  app.use(sessionRouter({ ...signIn, singleLogout: samlSingleLogout(flows) }));
  const adminApi = {
    db: deps.db,
    publicUrl: deps.config.publicUrl,
    scimRequestLog,
    sso,
    webhooks: { allowPrivateNetworks: deps.config.webhookAllowPrivateNetworks ?? false },
  };
  app.use(
    '/api/v1',
    jsonBody(deps.config.bodyLimitBytes),
    adminApiRouter({ ...adminApi, adminToken: deps.adminToken }),
  );
  app.use(
    consoleRouter({
      db: deps.db,
      keys: signingKeys,
      publicUrl: deps.config.publicUrl,
      adminToken: deps.adminToken,
      masterKey: deps.config.masterKey ?? developmentMasterKey,
      api: adminApi,
    }),
  );
  app.use(
    setupRouter({
      db: deps.db,
      keys: signingKeys,
      publicUrl: deps.config.publicUrl,
      masterKey: deps.config.masterKey ?? developmentMasterKey,
      api: adminApi,
      flows,
    }),
  );
  app.use(samlMetadataRouter({ db: deps.db, keys: { secretBox, publicUrl: deps.config.publicUrl } }));
  app.use(signInRouter(flows));
  app.use(loginRouter({ ...signIn, masterKey: deps.config.masterKey ?? developmentMasterKey }));
  app.use(
    inviteRouter({
      db: deps.db,
      keys: signingKeys,
      publicUrl: deps.config.publicUrl,
      csrfSecret: derivedKey(deps.config.masterKey ?? developmentMasterKey, 'csrf'),
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
