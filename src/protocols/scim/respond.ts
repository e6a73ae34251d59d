import type { Response } from 'express';
import { scimContentType } from './errors.ts';

/** SCIM answers in application/scim+json (RFC 7644 §3.1). */
export function sendScim(res: Response, status: number, body: unknown): void {
  res.status(status).type(scimContentType).send(JSON.stringify(body));
}
