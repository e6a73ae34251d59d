import { MusterError, notFound } from '../../errors.ts';
import type { SecretBox } from '../../infra/crypto/index.ts';
import { checkFetchUrl, FetchRefused, isPrivateAddress, refusedAddress } from '../../infra/fetch/index.ts';
import { isUuid, newId } from '../../infra/ids/index.ts';
import type {
  Db,
  PageOf,
  PageRequest,
  WebhookEndpointPatch,
  WebhookEndpointRow,
} from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { decodeCursor, type EventType } from '../events/index.ts';
import { newWebhookSecret } from './signing.ts';

/** What the webhooks of a deployment may reach: the operator's WEBHOOK_ALLOW_PRIVATE_NETWORKS. */
export interface WebhookNetwork {
  readonly allowPrivateNetworks: boolean;
}

export type WebhookStatus = 'active' | 'failing' | 'disabled' | 'paused';

/** An endpoint as admins see it; never its secret. */
export interface WebhookEndpoint {
  readonly id: string;
  readonly orgId: string;
  readonly url: string;
  readonly description: string;
  /** The event types it receives; empty: all. */
  readonly events: readonly string[];
  readonly enabled: boolean;
  /** active, failing (retrying its oldest undelivered event), disabled (by Muster, retries spent) or paused (by an admin). */
  readonly status: WebhookStatus;
  readonly disabledReason: string | null;
  readonly failingSince: Date | null;
  readonly attempts: number;
  readonly nextAttemptAt: Date | null;
  readonly lastError: string | null;
  readonly lastDeliveredAt: Date | null;
  /** While a rotated secret still signs beside the new one. */
  readonly previousSecretExpiresAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export function toWebhookEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  const status: WebhookStatus = !row.enabled
    ? row.disabled_reason
      ? 'disabled'
      : 'paused'
    : row.failing_since
      ? 'failing'
      : 'active';
  const overlapping = row.previous_secret_expires_at && row.previous_secret_expires_at > new Date();
  return {
    id: row.id,
    orgId: row.org_id,
    url: row.url,
    description: row.description,
    events: row.event_types,
    enabled: row.enabled,
    status,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    attempts: row.attempts,
    nextAttemptAt: row.failing_since ? row.next_attempt_at : null,
    lastError: row.last_error,
    lastDeliveredAt: row.last_delivered_at,
    previousSecretExpiresAt: overlapping ? row.previous_secret_expires_at : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Refuses, at once, a URL no delivery would ever be allowed to reach: not
 * https (plain http only where private networks are allowed), or an IP
 * address in a refused range. Host names are checked again at each
 * delivery, against what they resolve to then.
 */
function checkedUrl(value: string, network: WebhookNetwork): string {
  try {
    const url = checkFetchUrl(value, false, network.allowPrivateNetworks);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const literal = /^[\d.]+$|:/.test(host);
    const why = literal
      ? (refusedAddress(host, { loopback: false, privateNetworks: network.allowPrivateNetworks }) ??
        (url.protocol === 'http:' && !isPrivateAddress(host)
          ? 'is public: plain http goes to private addresses only'
          : undefined))
      : undefined;
    if (why) throw new FetchRefused('address_refused', `reaches ${host}, which ${why}`);
    if (url.hash) throw new FetchRefused('url_refused', 'must not carry a fragment');
    return url.href;
  } catch (error) {
    if (!(error instanceof FetchRefused)) throw error;
    const hint = network.allowPrivateNetworks
      ? ''
      : ' (private and loopback addresses need WEBHOOK_ALLOW_PRIVATE_NETWORKS)';
    throw new MusterError('validation_failed', 'The request is not valid', {
      details: [{ path: 'url', message: `${error.message}${hint}` }],
    });
  }
}

function sealed(box: SecretBox, endpointId: string, secret: string): string {
  return box.seal(secret, `webhook:${endpointId}`);
}

/** The secrets that sign a delivery now: the current one, and the previous during its overlap. */
export function liveSecrets(box: SecretBox, row: WebhookEndpointRow, now = new Date()): string[] {
  const secrets = [box.open(row.sealed_secret, `webhook:${row.id}`)];
  if (row.sealed_previous_secret && row.previous_secret_expires_at && row.previous_secret_expires_at > now)
    secrets.push(box.open(row.sealed_previous_secret, `webhook:${row.id}`));
  return secrets;
}

export interface NewWebhookInput {
  readonly url: string;
  readonly description?: string | undefined;
  readonly events?: readonly EventType[] | undefined;
  /** A cursor of the events feed: deliver what follows it (an application that caught up by reading). */
  readonly after?: string | undefined;
}

const maxEndpointsPerOrg = 20;

export async function createWebhookEndpoint(
  db: Db,
  tools: { readonly box: SecretBox; readonly network: WebhookNetwork },
  ctx: ChangeContext,
  orgId: string,
  input: NewWebhookInput,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const url = checkedUrl(input.url, tools.network);
  const start = input.after ? decodeCursor(input.after) : undefined;
  const existing = await store.listWebhookEndpoints(db, orgId, { limit: maxEndpointsPerOrg });
  if (existing.items.length >= maxEndpointsPerOrg)
    throw new MusterError('conflict', `An org has at most ${maxEndpointsPerOrg} webhook endpoints`);
  const id = newId();
  const secret = newWebhookSecret();
  return db.transaction().execute(async (trx) => {
    const row = await store.insertWebhookEndpoint(trx, orgId, {
      id,
      url,
      description: input.description ?? '',
      event_types: [...new Set(input.events ?? [])],
      sealed_secret: sealed(tools.box, id, secret),
      start,
    });
    const endpoint = toWebhookEndpoint(row);
    await recordAudit(trx, ctx, orgId, {
      action: 'webhook.created',
      target: { type: 'webhook', id },
      after: endpoint,
    });
    return { endpoint, secret };
  });
}

async function findRow(db: Db, orgId: string, id: string): Promise<WebhookEndpointRow> {
  const row = isUuid(id) ? await store.findWebhookEndpoint(db, orgId, id.toLowerCase()) : undefined;
  if (!row) throw notFound('Webhook');
  return row;
}

export async function getWebhookEndpoint(db: Db, orgId: string, id: string): Promise<WebhookEndpoint> {
  return toWebhookEndpoint(await findRow(db, orgId, id));
}

export async function listWebhookEndpoints(
  db: Db,
  orgId: string,
  page: PageRequest,
): Promise<PageOf<WebhookEndpoint>> {
  const result = await store.listWebhookEndpoints(db, orgId, page);
  return { more: result.more, items: result.items.map(toWebhookEndpoint) };
}

export interface WebhookChanges {
  readonly url?: string | undefined;
  readonly description?: string | undefined;
  readonly events?: readonly EventType[] | undefined;
  /** false pauses delivery; true resumes it, also after Muster disabled it, from where it stopped. */
  readonly enabled?: boolean | undefined;
}

export async function updateWebhookEndpoint(
  db: Db,
  network: WebhookNetwork,
  ctx: ChangeContext,
  orgId: string,
  id: string,
  changes: WebhookChanges,
): Promise<WebhookEndpoint> {
  const patch: WebhookEndpointPatch = {};
  if (changes.url !== undefined) patch.url = checkedUrl(changes.url, network);
  if (changes.description !== undefined) patch.description = changes.description;
  if (changes.events !== undefined) patch.event_types = [...new Set(changes.events)];
  return db.transaction().execute(async (trx) => {
    const before = toWebhookEndpoint(await findRow(trx, orgId, id));
    if (changes.enabled === false && before.enabled) Object.assign(patch, { enabled: false });
    // Resumed: the oldest undelivered event is tried at once, with a fresh retry window.
    if (changes.enabled === true && !before.enabled)
      Object.assign(patch, {
        enabled: true,
        disabled_reason: null,
        failing_since: null,
        attempts: 0,
        next_attempt_at: new Date(),
        last_error: null,
      });
    if (Object.keys(patch).length === 0) return before;
    const row = await store.updateWebhookEndpoint(trx, orgId, before.id, patch);
    if (!row) throw notFound('Webhook');
    const after = toWebhookEndpoint(row);
    await recordAudit(trx, ctx, orgId, {
      action: 'webhook.updated',
      target: { type: 'webhook', id: before.id },
      before,
      after,
    });
    return after;
  });
}

export async function deleteWebhookEndpoint(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  id: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = toWebhookEndpoint(await findRow(trx, orgId, id));
    if (!(await store.deleteWebhookEndpoint(trx, orgId, before.id))) throw notFound('Webhook');
    await recordAudit(trx, ctx, orgId, {
      action: 'webhook.deleted',
      target: { type: 'webhook', id: before.id },
      before,
    });
  });
}

/**
 * A new secret; the current one keeps signing beside it for
 * `overlapHours`, so the application can switch without losing a
 * delivery. A rotation during an overlap ends the older secret at once.
 */
export async function rotateWebhookSecret(
  db: Db,
  box: SecretBox,
  ctx: ChangeContext,
  orgId: string,
  id: string,
  overlapHours: number,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const secret = newWebhookSecret();
  return db.transaction().execute(async (trx) => {
    const current = await findRow(trx, orgId, id);
    const overlapEnds = new Date(Date.now() + overlapHours * 3600_000);
    const row = await store.updateWebhookEndpoint(trx, orgId, current.id, {
      sealed_secret: sealed(box, current.id, secret),
      sealed_previous_secret: overlapHours > 0 ? current.sealed_secret : null,
      previous_secret_expires_at: overlapHours > 0 ? overlapEnds : null,
    });
    if (!row) throw notFound('Webhook');
    const endpoint = toWebhookEndpoint(row);
    await recordAudit(trx, ctx, orgId, {
      action: 'webhook.secret_rotated',
      target: { type: 'webhook', id: current.id },
      after: { previousSecretExpiresAt: endpoint.previousSecretExpiresAt },
    });
    return { endpoint, secret };
  });
}
