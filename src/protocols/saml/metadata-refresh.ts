import { systemContext } from '../../domain/audit/index.ts';
import type { JobHandler } from '../../domain/jobs/index.ts';
import {
  type MetadataRead,
  metadataRefreshKind,
  metadataRefreshTarget,
  recordMetadataRefresh,
  scheduleNextMetadataRefresh,
} from '../../domain/sources/index.ts';
import { FetchRefused } from '../../infra/fetch/index.ts';
import { isSamlError } from './errors.ts';
import { type MetadataSource, readIdpMetadataUrl } from './metadata-url.ts';

/** A read of the URL that never throws: its failure is what the connection records. */
async function readOnce(url: string, source: MetadataSource): Promise<MetadataRead> {
  try {
    const metadata = await readIdpMetadataUrl(url, source);
    return {
      url,
      ok: true,
      idp: {
        entityId: metadata.entityId,
        ssoUrl: metadata.ssoUrl,
        sloUrl: metadata.sloUrl,
        certificates: metadata.certificates,
      },
    };
  } catch (error) {
    if (error instanceof FetchRefused || isSamlError(error)) return { url, ok: false, error: error.message };
    throw error;
  }
}

/**
 * The daily re-read of a connection's metadata URL, as a background job.
 * The network read happens outside any transaction (`next`, up to the
 * fetch's time limit); what it found is written in the runner's transaction
 * (`apply`); the job that ends queues the next one (`finish`).
 */
export function metadataRefreshHandler(source: MetadataSource): JobHandler {
  return {
    async next(db, job) {
      const url = await metadataRefreshTarget(db, job.orgId, job.subjectId);
      if (!url) return { items: [], cursor: null, finished: true };
      const read = await readOnce(url, source);
      return { items: [JSON.stringify(read)], cursor: null, total: 1, finished: true };
    },
    async apply(trx, job, items) {
      const counts: Record<string, number> = {};
      for (const item of items) {
        const outcome = await recordMetadataRefresh(
          trx,
          systemContext,
          job.orgId,
          job.subjectId,
          JSON.parse(item) as MetadataRead,
        );
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
      return counts;
    },
    async finish(trx, job) {
      await scheduleNextMetadataRefresh(trx, job.orgId, job.subjectId);
    },
  };
}

/** The background jobs of SAML connections, by kind, for the job runner's handler map. */
export function samlJobHandlers(source: MetadataSource): Readonly<Record<string, JobHandler>> {
  return { [metadataRefreshKind]: metadataRefreshHandler(source) };
}
