import type { ErrorRequestHandler, RequestHandler } from 'express';
import { MusterError } from '../../errors.ts';
import { fromBodyParserError } from './body.ts';
import { stateOf } from './context.ts';

interface HttpError {
  status?: unknown;
  expose?: unknown;
}

export function toMusterError(error: unknown): MusterError {
  const translated = fromBodyParserError(error);
  if (translated instanceof MusterError) return translated;
  // Express's own client errors (a path with broken percent-encoding) keep their 4xx.
  const { status, expose } = (translated ?? {}) as HttpError;
  if (typeof status === 'number' && status >= 400 && status < 500 && expose !== false) {
    return new MusterError('bad_request', 'The request could not be read', { cause: translated });
  }
  return new MusterError('internal', 'Something went wrong on our side', { cause: translated });
}

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: readonly { path?: string; message: string }[];
    requestId: string;
  };
}

export function errorBody(error: MusterError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      // Server-side failures keep their internals out of the response; the log has them.
      message: error.expose ? error.message : 'Something went wrong on our side',
      ...(error.expose && error.details ? { details: error.details } : {}),
      requestId,
    },
  };
}

/** The admin JSON renderer: `{"error":{"code","message","details?","requestId"}}`. */
export const renderJsonError: ErrorRequestHandler = (error, _req, res, _next) => {
  const state = stateOf(res);
  const musterError = toMusterError(error);
  if (musterError.status >= 500) {
    state.log.error('request failed', { error: musterError.cause ?? musterError });
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  if (musterError.retryAfterSeconds !== undefined)
    res.set('Retry-After', String(musterError.retryAfterSeconds));
  res.status(musterError.status).json(errorBody(musterError, state.requestId));
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new MusterError('not_found', `No route for ${req.method} ${req.path}`));
};
