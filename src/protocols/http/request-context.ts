import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../infra/log/index.ts';
import type { Metrics } from '../../infra/metrics/index.ts';
import { routeOf, stateOf } from './context.ts';

const acceptableId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths that carry a secret (an invitation, a password reset, a setup link) are logged without it. */
export function loggablePath(path: string): string {
  return path.replace(/^\/(invite|login\/reset|setup)\/[^/]+/, '/$1/:token');
}

/**
 * Gives each request an id (the caller's X-Request-Id when it is sane), a
 * logger that carries it, and on finish one log line and its metrics.
 */
export function requestContext(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && acceptableId.test(incoming) ? incoming : randomUUID();
    const state = stateOf(res);
    state.requestId = requestId;
    state.log = logger.child({ requestId });
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      state.log.http('request', {
        method: req.method,
        path: loggablePath(req.path),
        route: labels.route,
        status: res.statusCode,
        ms: Math.round(seconds * 1000),
      });
    });
    next();
  };
}
