import type { Request } from 'express';
import { etagOf } from './render.ts';

function tags(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, ''));
}

/** A version from an ETag (`W/"3"` or `"3"`), or undefined when it is not one of ours. */
export function versionOfTag(tag: string): number | undefined {
  const match = /^(?:W\/)?"(\d+)"$/.exec(tag.trim());
  return match?.[1] ? Number(match[1]) : undefined;
}

/**
 * If-Match (RFC 7644 §3.14, RFC 9110) as the version a write expects:
 * undefined for none or `*`, -1 for a tag that can never match.
 */
export function expectedVersion(req: Request): number | undefined {
  const header = req.get('if-match');
  if (!header || header.trim() === '*') return undefined;
  const versions = header.split(',').map(versionOfTag);
  return versions.find((v) => v !== undefined) ?? -1;
}

/** If-None-Match on a read: true when the client already has this version (answer 304). */
export function notModified(req: Request, version: number): boolean {
  const header = req.get('if-none-match');
  if (!header) return false;
  const current = etagOf(version).replace(/^W\//, '');
  return header.trim() === '*' || tags(header).includes(current);
}
