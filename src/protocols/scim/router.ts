import express, { type RequestHandler, Router } from 'express';
import { authenticateDirectoryToken, type ScimRequestLog } from '../../domain/sources/index.ts';
import { MusterError } from '../../errors.ts';
import type { Db } from '../../storage/index.ts';
import { fromBodyParserError, stateOf } from '../http/index.ts';
import type { ScimLocals } from './context.ts';
import { discoveryRouter } from './discovery.ts';
import { renderScimError, scimErrorSchema, scimNotFound } from './errors.ts';
import { sendScim } from './respond.ts';

export interface ScimDeps {
  readonly db: Db;
  readonly publicUrl: string;
  readonly bodyLimitBytes: number;
  readonly requestLog: ScimRequestLog;
}

const scimTypes = ['application/scim+json', 'application/json'];

function bearer(header: string | undefined): string | undefined {
  return header ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header)?.[1] : undefined;
}

/** 401 in the SCIM error schema unless the token belongs to the directory in the URL. */
function authenticate(db: Db): RequestHandler {
  return async (req, res, next) => {
    const token = bearer(req.get('authorization'));
    const directory = token
      ? await authenticateDirectoryToken(db, String(req.params.directory ?? ''), token)
      : undefined;
    if (!directory) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="muster-scim"');
      throw new MusterError('unauthorized', "Send this directory's SCIM token as a Bearer token");
    }
    (res.locals as ScimLocals).directory = directory;
    next();
  };
}

/** Every authenticated SCIM call leaves a line in the directory's request log, written after the answer. */
function requestLog(log: ScimRequestLog): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const locals = res.locals as ScimLocals;
      if (!locals.directory) return;
      const state = stateOf(res);
      const error = state.scimError;
      log.record(locals.directory, {
        method: req.method,
        path: req.originalUrl.split('?')[0] ?? req.originalUrl,
        status: res.statusCode,
        scimType: error?.scimType,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
        requestId: state.requestId,
        summary: error ? { error: error.expose ? error.message : 'internal error' } : locals.scimSummary,
      });
    });
    next();
  };
}

export function scimRouter(deps: ScimDeps, resources: (router: Router) => void): Router {
  const outer = Router();
  const router = Router({ mergeParams: true });
  router.use(authenticate(deps.db), requestLog(deps.requestLog));
  router.use((req, _res, next) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(scimTypes)) {
      next(new MusterError('unsupported_media_type', 'Send the body as application/scim+json'));
      return;
    }
    next();
  });
  router.use(express.json({ limit: deps.bodyLimitBytes, type: scimTypes, strict: false }));
  router.use((error: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
    const translated = fromBodyParserError(error);
    next(
      translated instanceof MusterError && translated.code === 'invalid_json'
        ? new MusterError('bad_request', translated.message, { scimType: 'invalidSyntax' })
        : translated,
    );
  });
  router.use(
    discoveryRouter((directoryId) => `${deps.publicUrl}/scim/v2/${directoryId}`, deps.bodyLimitBytes),
  );
  resources(router);
  // RFC 7644 §3.11: a directory token names no user, so /Me is not supported: 501, not 404.
  router.all(['/Me', '/Me/*rest'], (_req, res) => {
    sendScim(res, 501, {
      schemas: [scimErrorSchema],
      status: '501',
      detail: 'The /Me alias is not supported: a directory token authenticates no user',
    });
  });
  router.use(scimNotFound);
  outer.use('/scim/v2/:directory', router);
  outer.use('/scim/v2', scimNotFound);
  outer.use('/scim/v2', renderScimError);
  return outer;
}
