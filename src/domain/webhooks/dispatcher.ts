import { performance } from 'node:perf_hooks';
import type { SecretBox } from '../../infra/crypto/index.ts';
import { FetchRefused, guardedExchange } from '../../infra/fetch/index.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db, FeedPosition, NewWebhookDelivery, WebhookEndpointRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { recordAudit, systemContext } from '../audit/index.ts';
import { type MusterEvent, toEvent } from '../events/index.ts';
import { ClaimLoop, type ClaimRequest, withDefaults } from '../jobs/index.ts';
import { liveSecrets } from './endpoints.ts';
import { signDelivery } from './signing.ts';

export interface WebhookDispatcherOptions {
  readonly box: SecretBox;
  readonly network: {
    /** Resolves a host name to its addresses; every one is checked, the first pinned. */
    readonly lookupHost: (host: string) => Promise<string[]>;
    readonly allowPrivateNetworks: boolean;
  };
  /** How long an endpoint stays claimed by a process without progress (a dead process's, this long). */
  readonly leaseSeconds?: number;
  /** How often an idle dispatcher looks for new events. */
  readonly pollMs?: number;
  /** Endpoints delivered to at once; each in order, one event at a time. */
  readonly concurrency?: number;
  /** Feed entries read, and deliveries logged, per transaction. */
  readonly batchSize?: number;
  readonly timeoutMs?: number;
  /** The most of an answer read; a larger one fails the attempt. */
  readonly maxResponseBytes?: number;
  /** The first retry's delay; each next one doubles, up to `maxRetryDelayMs`. */
  readonly retryBaseMs?: number;
  readonly maxRetryDelayMs?: number;
  /** How long the oldest undelivered event is retried before the endpoint is disabled. */
  readonly retryWindowMs?: number;
  /** How long the delivery log keeps an attempt. */
  readonly logRetentionMs?: number;
  readonly onError?: (error: unknown) => void;
}

const defaults = {
  leaseSeconds: 60,
  pollMs: 200,
  concurrency: 8,
  batchSize: 100,
  timeoutMs: 10_000,
  maxResponseBytes: 64 * 1024,
  retryBaseMs: 5_000,
  maxRetryDelayMs: 3600_000,
  retryWindowMs: 72 * 3600_000,
  logRetentionMs: 30 * 24 * 3600_000,
};

interface Attempt {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

/**
 * Delivers each org's events to its webhook endpoints, from the events
 * feed. An endpoint's events go in feed order, one at a time: a failing
 * event holds back the ones after it, retried with exponential backoff
 * until the retry window runs out and the endpoint is disabled (resumed by
 * an admin, it starts from that event). Progress (the cursor and the
 * delivery log) commits after each batch, so a process that dies
 * mid-batch leaves the batch to be sent again: at least once, never lost.
 *
 * `start` delivers until stopped, looking for new events every `pollMs`;
 * `stop` finishes the deliveries in hand and commits their progress;
 * `abandon` stops at once, as a crash would: requests in flight are cut,
 * and nothing more is committed. `drain` delivers (for one org, if given)
 * until nothing is due, for tests and one-off runs, and returns the
 * endpoints claimed. An endpoint claimed as the dispatcher stops needs no
 * release of its own: its run sends its redeliveries, reads no feed once
 * stopping, and releases it.
 */
export class WebhookDispatcher extends ClaimLoop<WebhookEndpointRow> {
  readonly #db: Db;
  readonly #options: WebhookDispatcherOptions & typeof defaults;
  #prunedAt = 0;
  readonly #lookupHost: (host: string) => Promise<string[]>;

  constructor(db: Db, options: WebhookDispatcherOptions) {
    const merged = withDefaults(defaults, options);
    super(`webhooks-${newId()}`, merged);
    this.#db = db;
    this.#options = merged;
    this.#lookupHost = remembered(options.network.lookupHost, 30_000);
  }

  protected override claim(lease: string, request: ClaimRequest): Promise<WebhookEndpointRow[]> {
    return store.claimDueWebhookEndpoints(this.#db, lease, request);
  }

  /** Once an hour, the delivery log drops attempts past its retention. */
  protected override async idle(): Promise<void> {
    if (Date.now() - this.#prunedAt < 3600_000) return;
    this.#prunedAt = Date.now();
    await store
      .pruneWebhookDeliveries(this.#db, new Date(Date.now() - this.#options.logRetentionMs))
      .catch((error: unknown) => this.#options.onError?.(error));
  }

  /**
   * One claimed endpoint: its redeliveries, then its feed, until nothing is
   * left, an event fails, or the run has held the endpoint for a while
   * (others wait for a lane). Progress commits at the end of each batch
   * and, within one, every third of the lease, which it extends: a send
   * takes at most half the lease, so the lease never runs out in hand.
   */
  protected override async work(row: WebhookEndpointRow): Promise<void> {
    const lease = row.locked_by ?? '';
    const leaseMs = this.#options.leaseSeconds * 1000;
    const started = Date.now();
    const secrets = liveSecrets(this.#options.box, row);
    const wanted = row.event_types.length > 0 ? new Set(row.event_types) : undefined;
    const skipped = row.start_snapshot ? committedBefore(row.start_snapshot) : undefined;
    // The oldest undelivered event's failures so far; a success starts the next one afresh.
    const head = { failingSince: row.failing_since, attempts: row.attempts };
    let cursor: FeedPosition = { txid: row.cursor_txid, id: row.cursor_id };
    await this.#redeliver(row, secrets);
    for (;;) {
      if (this.stopping) break;
      const entries = await store.readFeed(this.#db, row.org_id, {
        after: cursor,
        limit: this.#options.batchSize,
      });
      if (entries.length === 0) break;
      let log: NewWebhookDelivery[] = [];
      let settledAt = Date.now();
      for (const entry of entries) {
        const event = skipped?.(entry.txid) ? null : toEvent(row.org_id, entry);
        if (event && (!wanted || wanted.has(event.type))) {
          if (Date.now() - settledAt > leaseMs / 3) {
            if (!(await this.#settle(row, lease, cursor, log))) return;
            log = [];
            settledAt = Date.now();
          }
          const attempt = await this.#send(row, event, secrets, leaseMs / 2);
          if (this.signal.aborted) return;
          log.push(logEntry(row, event, attempt, head.attempts + 1));
          if (!attempt.ok) {
            await this.#fail(row, lease, cursor, log, head, attempt);
            return;
          }
          head.failingSince = null;
          head.attempts = 0;
        }
        cursor = { txid: entry.txid, id: entry.id };
      }
      if (!(await this.#settle(row, lease, cursor, log))) return;
      if (entries.length < this.#options.batchSize || Date.now() - started > leaseMs / 3) break;
    }
    if (!this.signal.aborted) await store.releaseWebhookEndpoint(this.#db, row.id, lease);
  }

  /** Events an admin asked to send again: each sent once, outside the feed's order, and logged. */
  async #redeliver(row: WebhookEndpointRow, secrets: readonly string[]): Promise<void> {
    const pending = await store.pendingRedeliveries(this.#db, row.id, this.#options.batchSize);
    if (pending.length === 0) return;
    const log: NewWebhookDelivery[] = [];
    for (const request of pending) {
      const entry = await store.readFeedEntry(this.#db, row.org_id, request.event_id);
      const event = entry && toEvent(row.org_id, entry);
      if (!event) continue;
      const attempt = await this.#send(row, event, secrets, (this.#options.leaseSeconds * 1000) / 2);
      if (this.signal.aborted) return;
      log.push({ ...logEntry(row, event, attempt, 1), redelivery: true });
    }
    await this.#db.transaction().execute(async (trx) => {
      await store.insertWebhookDeliveries(trx, log);
      await store.deleteRedeliveries(
        trx,
        pending.map((p) => p.id),
      );
    });
  }

  async #send(
    row: WebhookEndpointRow,
    event: MusterEvent,
    secrets: readonly string[],
    maxMs: number,
  ): Promise<Attempt> {
    const body = JSON.stringify(event);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const answer = await guardedExchange(
        row.url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Muster-Webhooks',
            ...signDelivery(event.id, new Date(), body, secrets),
          },
          body: Buffer.from(body, 'utf8'),
          signal: this.signal,
        },
        {
          lookupHost: this.#lookupHost,
          allowLoopback: false,
          allowPrivateNetworks: this.#options.network.allowPrivateNetworks,
          timeoutMs: Math.min(this.#options.timeoutMs, maxMs),
          maxBytes: this.#options.maxResponseBytes,
        },
      );
      const ok = answer.status >= 200 && answer.status < 300;
      const error = ok
        ? null
        : answer.status >= 300 && answer.status < 400
          ? `answered ${answer.status}: webhooks do not follow redirects`
          : `answered ${answer.status}`;
      return { ok, status: answer.status, error, durationMs: elapsed() };
    } catch (error) {
      if (!(error instanceof FetchRefused)) throw error;
      return { ok: false, status: null, error: error.message, durationMs: elapsed() };
    }
  }

  /** Deliveries committed with the cursor past them; false when the lease went to another run. */
  #settle(
    row: WebhookEndpointRow,
    lease: string,
    cursor: FeedPosition,
    log: readonly NewWebhookDelivery[],
  ): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const held = await store.settleWebhookEndpoint(trx, row.id, lease, {
        cursor,
        delivered: log.length > 0,
        leaseSeconds: this.#options.leaseSeconds,
      });
      if (held) await store.insertWebhookDeliveries(trx, log);
      return held;
    });
  }

  /**
   * An event failed: what came before it is settled, and it is retried
   * after a delay that doubles with each attempt, until the retry window
   * runs out. Then the endpoint is disabled, with an audit event: its
   * cursor stays on the event, so nothing is lost when an admin resumes it.
   */
  async #fail(
    row: WebhookEndpointRow,
    lease: string,
    cursor: FeedPosition,
    log: readonly NewWebhookDelivery[],
    head: { readonly failingSince: Date | null; readonly attempts: number },
    attempt: Attempt,
  ): Promise<void> {
    const o = this.#options;
    const now = new Date();
    const failingSince = head.failingSince ?? now;
    const attempts = head.attempts + 1;
    const delay = Math.min(o.maxRetryDelayMs, o.retryBaseMs * 2 ** (attempts - 1));
    const jittered = delay * (0.9 + Math.random() * 0.2);
    const spent = now.getTime() - failingSince.getTime() >= o.retryWindowMs;
    const error = attempt.error ?? 'failed';
    const disabledReason = spent
      ? `deliveries failed for ${Math.round(o.retryWindowMs / 3600_000)} hours; last: ${error}`.slice(0, 1000)
      : undefined;
    await this.#db.transaction().execute(async (trx) => {
      const held = await store.settleWebhookEndpoint(trx, row.id, lease, {
        cursor,
        delivered: log.some((entry) => entry.succeeded),
        leaseSeconds: o.leaseSeconds,
        failure: {
          failingSince,
          attempts,
          retryAt: new Date(now.getTime() + jittered),
          error: error.slice(0, 1000),
          disabledReason,
        },
      });
      if (!held) return;
      await store.insertWebhookDeliveries(trx, log);
      if (disabledReason)
        await recordAudit(trx, systemContext, row.org_id, {
          action: 'webhook.disabled',
          target: { type: 'webhook', id: row.id },
          after: { reason: disabledReason, failingSince, attempts },
        });
    });
  }
}

/**
 * Host lookups remembered for a while: an endpoint's deliveries come in
 * runs, and each would ask the resolver again. Every address is still
 * checked, and the connection pinned to it, at each delivery.
 */
function remembered(lookup: (host: string) => Promise<string[]>, ttlMs: number) {
  const known = new Map<string, { addresses: Promise<string[]>; until: number }>();
  return (host: string): Promise<string[]> => {
    const hit = known.get(host);
    if (hit && hit.until > Date.now()) return hit.addresses;
    if (known.size > 1000) known.clear();
    const addresses = lookup(host);
    known.set(host, { addresses, until: Date.now() + ttlMs });
    // A failed lookup is not remembered: the next delivery asks again.
    addresses.catch(() => known.delete(host));
    return addresses;
  };
}

/**
 * Whether a transaction had committed when a snapshot was taken
 * (`pg_current_snapshot()` as text, `xmin:xmax:xip,…`): an endpoint made
 * without a start position skips what committed before it existed.
 */
function committedBefore(snapshot: string): (txid: string) => boolean {
  const [xmin = '0', xmax = '0', running = ''] = snapshot.split(':');
  const inProgress = new Set(running.split(',').filter((x) => x !== ''));
  const low = BigInt(xmin);
  const high = BigInt(xmax);
  return (txid) => {
    const id = BigInt(txid);
    return id < low || (id < high && !inProgress.has(txid));
  };
}

function logEntry(
  row: WebhookEndpointRow,
  event: MusterEvent,
  attempt: Attempt,
  number: number,
): NewWebhookDelivery {
  return {
    id: newId(),
    org_id: row.org_id,
    endpoint_id: row.id,
    event_id: event.id,
    event_type: event.type,
    attempt: number,
    succeeded: attempt.ok,
    http_status: attempt.status,
    error: attempt.error?.slice(0, 1000) ?? null,
    duration_ms: attempt.durationMs,
  };
}
