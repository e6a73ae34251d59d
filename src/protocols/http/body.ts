import express, { type RequestHandler } from 'express';
import { MusterError } from '../../errors.ts';

const jsonTypes = ['application/json', 'application/*+json'];

/**
 * JSON bodies up to `limit` bytes. A body in another media type is 415
 * rather than silently ignored; body-parser's own errors become Muster's.
 */
export function jsonBody(limit: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      const hasBody =
        req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
      if (hasBody && !req.is(jsonTypes)) {
        next(new MusterError('unsupported_media_type', 'Send the body as application/json'));
        return;
      }
      next();
    },
    express.json({ limit, type: jsonTypes, strict: false }),
  ];
}

interface BodyParserError {
  type?: unknown;
  status?: unknown;
}

/** Translates body-parser's failures; anything else passes through unchanged. */
export function fromBodyParserError(error: unknown): unknown {
  const type = (error as BodyParserError | null)?.type;
  switch (type) {
    case 'entity.too.large':
      return new MusterError('payload_too_large', 'The request body is larger than allowed', {
        cause: error,
      });
    case 'entity.parse.failed':
      return new MusterError('invalid_json', 'The request body is not valid JSON', { cause: error });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new MusterError('unsupported_media_type', 'The request body uses an unsupported encoding', {
        cause: error,
      });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new MusterError('bad_request', 'The request body could not be read', { cause: error });
    default:
      return error;
  }
}
