import type { ErrorRequestHandler, RequestHandler } from 'express';
import { MusterError } from '../../errors.ts';
import { stateOf, toMusterError } from '../http/index.ts';

export const scimErrorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const scimContentType = 'application/scim+json; charset=utf-8';

/** RFC 7644 §3.12: status as a string, scimType where one applies; internals never shown. */
export function scimErrorBody(error: MusterError): Record<string, unknown> {
  return {
    schemas: [scimErrorSchema],
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.expose ? error.message : 'Something went wrong on our side',
  };
}

export const renderScimError: ErrorRequestHandler = (error, _req, res, _next) => {
  const state = stateOf(res);
  const musterError = toMusterError(error);
  if (musterError.status >= 500)
    state.log.error('SCIM request failed', { error: musterError.cause ?? musterError });
  else state.log.info('SCIM request refused', { status: musterError.status, detail: musterError.message });
  state.scimError = musterError;
  if (res.headersSent) {
    res.end();
    return;
  }
  res
    .status(musterError.status)
    .type(scimContentType)
    .send(JSON.stringify(scimErrorBody(musterError)));
};

export const scimNotFound: RequestHandler = (req, _res, next) => {
  next(new MusterError('not_found', `No SCIM endpoint at ${req.method} ${req.path}`));
};
