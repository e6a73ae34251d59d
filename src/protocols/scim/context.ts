import type { Response } from 'express';
import type { Directory } from '../../domain/sources/index.ts';
import { MusterError } from '../../errors.ts';
import { type ScimDialect, scimDialectOf } from '../idp-profiles/index.ts';

/** What a SCIM request carries past authentication. */
export interface ScimLocals {
  directory?: Directory;
  /** What the handler changed, for the directory's request log. */
  scimSummary?: Record<string, unknown>;
}

export function directoryOf(res: Response): Directory {
  const directory = (res.locals as ScimLocals).directory;
  if (!directory) throw new MusterError('unauthorized', 'Not authenticated');
  return directory;
}

/** The SCIM forms the authenticated directory's provider may send beyond the RFC. */
export function dialectOf(res: Response): ScimDialect {
  return scimDialectOf(directoryOf(res).provider);
}

export function summarize(res: Response, summary: Record<string, unknown>): void {
  (res.locals as ScimLocals).scimSummary = summary;
}
