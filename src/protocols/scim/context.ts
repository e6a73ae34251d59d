import type { Response } from 'express';
import type { Directory } from '../../domain/sources/index.ts';
import { MusterError } from '../../errors.ts';

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

export function summarize(res: Response, summary: Record<string, unknown>): void {
  (res.locals as ScimLocals).scimSummary = summary;
}
