import { newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { normalizeCertificate, summarizeCertificate } from './connection-certificates.ts';
import { forgetOpenedConnection } from './connection-opened.ts';
import type { SamlIdp } from './connection-view.ts';
import { settingsOf, toConnection } from './connection-view.ts';

/** The job that re-reads a SAML connection's metadata URL. */
export const metadataRefreshKind = 'connection.metadata_refresh';

const hour = 3_600_000;
/** After a good read, the next is a day later; after a failed one, an hour later. */
const nextRefreshIn = { success: 24 * hour, failure: hour } as const;

/**
 * Queues the connection's next refresh, unless one is queued already (a
 * second request for the same work joins it).
 */
export async function scheduleMetadataRefresh(
  trx: Db,
  orgId: string,
  connectionId: string,
  after: keyof typeof nextRefreshIn,
): Promise<void> {
  if (await store.findQueuedJob(trx, orgId, connectionId, metadataRefreshKind)) return;
  await store.insertJob(trx, {
    id: newId(),
    org_id: orgId,
    kind: metadataRefreshKind,
    subject_id: connectionId,
    run_after: new Date(Date.now() + nextRefreshIn[after]),
  });
}

/** The metadata URL a refresh job reads, or undefined when the connection is gone or has none. */
export async function metadataRefreshTarget(
  db: Db,
  orgId: string,
  connectionId: string,
): Promise<string | undefined> {
  const row = await store.findConnection(db, orgId, connectionId);
  return row?.protocol === 'saml' ? (row.metadata_url ?? undefined) : undefined;
}

/** What one read of a metadata URL gave: the IdP it describes, or why there is none. */
export type MetadataRead =
  | { readonly url: string; readonly ok: true; readonly idp: SamlIdp }
  | { readonly url: string; readonly ok: false; readonly error: string };

export type RefreshOutcome = 'rolled_over' | 'unchanged' | 'failed' | 'skipped';

function describe(idp: Pick<SamlIdp, 'entityId' | 'ssoUrl' | 'sloUrl' | 'certificates'>) {
  return {
    entityId: idp.entityId,
    ssoUrl: idp.ssoUrl,
    sloUrl: idp.sloUrl,
    certificates: idp.certificates.map((pem) => summarizeCertificate(pem).fingerprint),
  };
}

/**
 * Records a refresh in the caller's transaction. A good read replaces the
 * IdP's endpoints and certificates (a rollover: the new list replaces the
 * old); a failed one keeps the last good metadata and records the error. An
 * IdP whose entity id changed is not followed: that is another IdP, which
 * only an admin may switch to. Reading the same metadata twice changes
 * nothing the second time.
 */
export async function recordMetadataRefresh(
  trx: Db,
  ctx: ChangeContext,
  orgId: string,
  connectionId: string,
  read: MetadataRead,
): Promise<RefreshOutcome> {
  // The job's transaction may still roll back: forgetting early only costs a read.
  forgetOpenedConnection(connectionId);
  const row = await store.findConnection(trx, orgId, connectionId, { forUpdate: true });
  // Gone, or its URL changed while this one was read: the read is for nothing.
  if (row?.protocol !== 'saml' || row.metadata_url !== read.url) return 'skipped';
  const current = toConnection(row, []);
  const saml = current.saml;
  if (!saml) return 'skipped';
  let error = read.ok ? undefined : read.error;
  if (read.ok && read.idp.entityId !== saml.entityId)
    error = `the metadata now names another IdP (${read.idp.entityId}, not ${saml.entityId}); update the connection to accept it`;
  const target = { type: 'connection', id: connectionId };
  if (error !== undefined || !read.ok) {
    const message = error ?? 'the metadata could not be read';
    await store.updateConnection(trx, orgId, connectionId, { metadata_error: message });
    await recordAudit(trx, ctx, orgId, {
      action: 'connection.metadata_refresh_failed',
      target,
      after: { url: read.url, error: message, keptFrom: row.metadata_fetched_at },
    });
    return 'failed';
  }
  const certificates = read.idp.certificates.flatMap((c) => normalizeCertificate(c) ?? []);
  const next = { ...saml, ...read.idp, certificates };
  const before = describe(saml);
  const after = describe(next);
  const changed = JSON.stringify(before) !== JSON.stringify(after);
  await store.updateConnection(trx, orgId, connectionId, {
    ...(changed ? { settings: settingsOf({ ...current, saml: next }) } : {}),
    metadata_fetched_at: new Date(),
    metadata_error: null,
  });
  await recordAudit(trx, ctx, orgId, {
    action: 'connection.metadata_refreshed',
    target,
    before,
    after: { ...after, changed },
  });
  return changed ? 'rolled_over' : 'unchanged';
}

/** Queues the next refresh of a connection whose metadata URL it still has. */
export async function scheduleNextMetadataRefresh(
  trx: Db,
  orgId: string,
  connectionId: string,
): Promise<void> {
  const row = await store.findConnection(trx, orgId, connectionId);
  if (row?.protocol !== 'saml' || !row.metadata_url) return;
  await scheduleMetadataRefresh(trx, orgId, connectionId, row.metadata_error ? 'failure' : 'success');
}

/**
 * Queues a refresh for every connection with a metadata URL and none
 * pending (one whose jobs failed for good, say), to run at once. Run at
 * start-up by the process that runs the jobs.
 */
export async function queueMissingMetadataRefreshes(db: Db): Promise<number> {
  let queued = 0;
  for (;;) {
    const missing = await store.connectionsWithoutRefresh(db, metadataRefreshKind, 500);
    if (missing.length === 0) return queued;
    for (const c of missing)
      await store.insertJob(db, {
        id: newId(),
        org_id: c.org_id,
        kind: metadataRefreshKind,
        subject_id: c.id,
      });
    queued += missing.length;
  }
}
