import type { Request } from 'express';
import { MusterError } from '../../errors.ts';
import { etagOf } from './render.ts';

function tags(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, ''));
}

/** If-Match (RFC 7644 §3.14, RFC 9110): a write to a resource changed since the client read it is 412. */
export function checkIfMatch(req: Request, version: number): void {
  const header = req.get('if-match');
  if (!header || header.trim() === '*') return;
  const current = etagOf(version).replace(/^W\//, '');
  if (!tags(header).includes(current)) {
    throw new MusterError('precondition_failed', 'The resource changed since that version');
  }
}

/** If-None-Match on a read: true when the client already has this version (answer 304). */
export function notModified(req: Request, version: number): boolean {
  const header = req.get('if-none-match');
  if (!header) return false;
  const current = etagOf(version).replace(/^W\//, '');
  return header.trim() === '*' || tags(header).includes(current);
}
