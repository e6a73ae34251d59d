import { newId } from '../../infra/ids/index.ts';
import type { Db, PageOf, PageRequest } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import type { Directory } from './directories.ts';

export interface ScimRequestLogEntry {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType: string | null;
  readonly durationMs: number;
  readonly requestId: string | null;
  readonly summary: unknown;
  readonly createdAt: Date;
}

export interface ScimRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType: string | undefined;
  readonly durationMs: number;
  readonly requestId: string;
  /** What changed, or why the request failed; never credentials. */
  readonly summary: unknown;
}

export async function recordScimRequest(
  db: Db,
  directory: Directory,
  record: ScimRequestRecord,
): Promise<void> {
  await store.insertScimRequest(db, {
    id: newId(),
    orgId: directory.orgId,
    directoryId: directory.id,
    method: record.method,
    path: record.path,
    status: record.status,
    scimType: record.scimType ?? null,
    durationMs: record.durationMs,
    requestId: record.requestId,
    summary: record.summary,
  });
}

export async function listScimRequestLog(
  db: Db,
  directory: Directory,
  page: PageRequest,
): Promise<PageOf<ScimRequestLogEntry>> {
  const result = await store.listScimRequests(db, directory.orgId, directory.id, page);
  return {
    more: result.more,
    items: result.items.map((row) => ({
      id: row.id,
      method: row.method,
      path: row.path,
      status: row.status,
      scimType: row.scim_type,
      durationMs: row.duration_ms,
      requestId: row.request_id,
      summary: row.summary,
      createdAt: row.created_at,
    })),
  };
}
