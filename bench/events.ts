/**
 * Events and webhooks figures for `npm run bench`: how the events feed and
 * its webhook deliveries keep up with a SCIM initial sync of N users, and
 * the delivery lag at a steady rate of changes. Muster delivers, as in
 * production, to a receiver in the bench process on 127.0.0.1 that answers
 * 200 at once and records when each event came, when it occurred, and
 * whether its signature holds.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from './client.ts';
import { figuresOf, phaseBudgetSeconds, report, reportValue, thousands } from './figures.ts';
import { entraDirectory, initialSync, progress, syncBudgetSeconds } from './scim.ts';
import type { Served } from './serve.ts';

export interface EventsOptions {
  /** Users in the initial sync. */
  readonly users: number;
  /** Changes a second made in the steady phase, and for how long. */
  readonly rate: number;
  readonly seconds: number;
}

/** The sync's deliveries keep up when the backlog it leaves drains within this long. */
const keepsUpSeconds = 5;
/** The steady phase's target: p99 of the delivery lag. */
const lagTargetMs = 2_000;
/** The steady phase sends a batch of changes per tick. */
const tickMs = 20;
/** Changes in flight at most in the steady phase; a Muster slower than the rate shows as a lower achieved rate. */
const maxInFlight = 64;
/** The steady phase's group members come and go this many per change: each change is that many events. */
const perChange = 10;
/** Users in the steady phase's directory, moved in and out of its mapped group. */
const steadyUsers = 1_000;

interface Receipt {
  readonly occurredAt: number;
  readonly receivedAt: number;
}

/** What one org's endpoint received: the first receipt of each event id, and what came again or unsigned. */
class Received {
  readonly first = new Map<string, Receipt>();
  duplicates = 0;
  badSignatures = 0;
  lastAt = 0;
  secret: Buffer | undefined;
}

const secretBytes = (secret: string) => Buffer.from(secret.replace(/^whsec_/, ''), 'base64');

/** Standard Webhooks: HMAC-SHA256 over `${id}.${timestamp}.${body}`, any of the space-separated `v1,` signatures. */
function signatureHolds(req: IncomingMessage, body: string, secret: Buffer): boolean {
  const id = req.headers['webhook-id'];
  const timestamp = req.headers['webhook-timestamp'];
  const signatures = req.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  const expected = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`, 'utf8').digest();
  return signatures.split(' ').some((signature) => {
    const given = Buffer.from(signature.replace(/^v1,/, ''), 'base64');
    return (
      signature.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected)
    );
  });
}

/** The application's side: a node:http server on 127.0.0.1 that records each delivery and answers 200. */
async function listen(): Promise<{ url: string; of(orgId: string): Received; close(): Promise<void> }> {
  const orgs = new Map<string, Received>();
  const of = (orgId: string) => {
    let received = orgs.get(orgId);
    if (!received) {
      received = new Received();
      orgs.set(orgId, received);
    }
    return received;
  };
  const server: Server = createServer((req, res) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-length': '0' }).end();
      const body = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(body) as { id: string; orgId: string; occurredAt: string };
      const received = of(event.orgId);
      received.lastAt = receivedAt;
      if (
        !received.secret ||
        !signatureHolds(req, body, received.secret) ||
        req.headers['webhook-id'] !== event.id
      )
        received.badSignatures += 1;
      if (received.first.has(event.id)) received.duplicates += 1;
      else received.first.set(event.id, { occurredAt: Date.parse(event.occurredAt), receivedAt });
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/muster/events`,
    of,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface FeedPage {
  data: { id: string }[];
  nextCursor: string | null;
}

/** The ids of an org's events after a cursor (all, without one), as GET /events gives them, and where it ended. */
async function readFeed(
  api: Client,
  orgId: string,
  after: string | null,
): Promise<{ ids: string[]; cursor: string | null }> {
  const ids: string[] = [];
  let cursor = after;
  for (;;) {
    const page = (await api(
      'GET',
      `/orgs/${orgId}/events?limit=500${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`,
    )) as FeedPage;
    for (const event of page.data) ids.push(event.id);
    if (page.nextCursor === null || page.nextCursor === cursor) return { ids, cursor };
    cursor = page.nextCursor;
  }
}

/** An endpoint for all the org's events from `after` on; the receiver learns its secret to check signatures. */
async function subscribe(
  api: Client,
  orgId: string,
  url: string,
  after: string | null,
  received: Received,
): Promise<void> {
  const endpoint = (await api('POST', `/orgs/${orgId}/webhooks`, {
    url,
    description: 'bench receiver',
    ...(after ? { after } : {}),
  })) as { secret: string };
  received.secret = secretBytes(endpoint.secret);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Polls `done` every 50 ms; false when `budgetMs` ran out first. */
async function until(budgetMs: number, done: () => boolean): Promise<boolean> {
  const deadline = Date.now() + budgetMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Waits until every event of `ids` came, at most `budgetMs`: the ids of
 * those that did not.
 */
async function awaitAll(received: Received, ids: readonly string[], budgetMs: number): Promise<string[]> {
  const missing = () => ids.filter((id) => !received.first.has(id));
  let left = missing();
  await until(budgetMs, () => {
    left = left.filter((id) => !received.first.has(id));
    return left.length === 0;
  });
  return missing();
}

const at = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

function duration(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(2)} s`;
}

/** receive time − occurredAt of each event of `ids` that came, sorted. */
function lagsOf(received: Received, ids: readonly string[]): number[] {
  const lags: number[] = [];
  for (const id of ids) {
    const receipt = received.first.get(id);
    if (receipt) lags.push(receipt.receivedAt - receipt.occurredAt);
  }
  return lags.sort((a, b) => a - b);
}

const lagLine = (lags: readonly number[]) =>
  `p50 ${duration(at(lags, 0.5))}   p95 ${duration(at(lags, 0.95))}   p99 ${duration(at(lags, 0.99))}   max ${duration(lags.at(-1) ?? 0)}`;

/** The check that every event came once: a line, and the problems found, for the bench to fail on. */
function reportCompleteness(
  engine: string,
  name: string,
  received: Received,
  ids: readonly string[],
): string[] {
  const missing = ids.filter((id) => !received.first.has(id)).length;
  const expected = new Set(ids);
  const unexpected = [...received.first.keys()].filter((id) => !expected.has(id)).length;
  const extra = [
    `${thousands(received.duplicates)} duplicate${received.duplicates === 1 ? '' : 's'}`,
    ...(unexpected > 0 ? [`${thousands(unexpected)} not in the feed`] : []),
    ...(received.badSignatures > 0 ? [`${thousands(received.badSignatures)} badly signed`] : []),
  ];
  reportValue(
    engine,
    name,
    `${thousands(ids.length - missing)} of ${thousands(ids.length)} events (${extra.join(', ')})`,
  );
  return [
    ...(missing > 0 ? [`${name}: ${missing} of ${ids.length} events never came`] : []),
    ...(unexpected > 0 ? [`${name}: ${unexpected} events came that the feed does not hold`] : []),
    ...(received.badSignatures > 0 ? [`${name}: ${received.badSignatures} deliveries badly signed`] : []),
  ];
}

/**
 * Runs `call` at `rate` a second for `seconds`: every tick the calls due
 * by then start, up to `maxInFlight` in flight. Each call's latency, and
 * the time until the last answered.
 */
async function paced(
  rate: number,
  seconds: number,
  call: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let sent = 0;
  const started = performance.now();
  for (let tick = 0; sent < total && failure === undefined; tick += 1) {
    const due = Math.min(total, Math.round(((tick + 1) * tickMs * rate) / 1000));
    while (sent < due && inFlight.size < maxInFlight) {
      const i = sent++;
      const t0 = performance.now();
      const running: Promise<void> = call(i)
        .then(
          () => {
            latencies.push(performance.now() - t0);
          },
          (error: unknown) => {
            failure ??= error;
          },
        )
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    await sleep(started + (tick + 1) * tickMs - performance.now());
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** Phase 1: the deliveries while a SCIM initial sync of N users writes their events, and the backlog it leaves. */
async function syncPhase(
  engine: string,
  origin: string,
  receiver: Awaited<ReturnType<typeof listen>>,
  run: string,
  n: number,
): Promise<string[]> {
  const { orgId, orgApi, scim } = await entraDirectory(origin, `Events bench ${run}`);
  const received = receiver.of(orgId);
  const start = await readFeed(orgApi, orgId, null);
  await subscribe(orgApi, orgId, receiver.url, start.cursor, received);

  const syncStarted = Date.now();
  const { sync } = await initialSync(engine, scim, n);
  const syncEnded = Date.now();
  const deliveredInSync = [...received.first.values()].filter((r) => r.receivedAt <= syncEnded).length;

  // Until the last event came: at least one per user, then nothing new for 2 s (or nothing at all for a
  // phase's budget); then the feed says what the endpoint should have had, and what is missing gets its chance.
  const ticker = setInterval(
    () => progress(`${engine} events delivered ${thousands(received.first.size)}/${thousands(n)}`),
    10_000,
  );
  try {
    await until(syncBudgetSeconds * 1000, () => {
      const quiet = Date.now() - Math.max(received.lastAt, syncEnded);
      return quiet >= (received.first.size >= n ? 2_000 : phaseBudgetSeconds * 1000);
    });
  } finally {
    clearInterval(ticker);
  }
  const { ids } = await readFeed(orgApi, orgId, start.cursor);
  await awaitAll(received, ids, phaseBudgetSeconds * 1000);
  let lastAt = syncEnded;
  for (const id of ids) lastAt = Math.max(lastAt, received.first.get(id)?.receivedAt ?? 0);
  const backlog = ids.length - deliveredInSync;
  const drainSeconds = (lastAt - syncEnded) / 1000;

  report(engine, 'events: SCIM sync with a webhook, 32 clients', sync);
  reportValue(
    engine,
    `events written during the sync of ${thousands(n)}`,
    `${(ids.length / sync.seconds).toFixed(0)}/s`,
  );
  reportValue(engine, 'events delivered during the sync', `${(deliveredInSync / sync.seconds).toFixed(0)}/s`);
  reportValue(engine, 'events backlog when the sync ended', thousands(backlog));
  reportValue(engine, 'events backlog drained after the sync', `${drainSeconds.toFixed(1)} s`, {
    text: `keeps up: < ${keepsUpSeconds} s`,
    met: drainSeconds < keepsUpSeconds,
  });
  if (backlog > 0 && drainSeconds > 0)
    reportValue(engine, 'events delivered while draining', `${(backlog / drainSeconds).toFixed(0)}/s`);
  reportValue(engine, 'events delivery lag during the sync', lagLine(lagsOf(received, ids)));
  progress(`${engine} sync phase took ${((Date.now() - syncStarted) / 1000).toFixed(1)} s`);
  return reportCompleteness(engine, 'events delivered in the sync, each id once', received, ids);
}

/**
 * Phase 2: membership changes paced to `rate` events a second: SCIM PATCHes
 * of a group mapped to a team, each adding (then, once all are in,
 * removing) 10 members, so each is 10 membership events, as an IdP's
 * group pushes make them. The delivery lag of each event.
 */
async function steadyPhase(
  engine: string,
  origin: string,
  receiver: Awaited<ReturnType<typeof listen>>,
  run: string,
  options: EventsOptions,
): Promise<string[]> {
  const { orgId, orgApi, directoryId, scim } = await entraDirectory(origin, `Events bench ${run} steady`);
  const { ids: users } = await initialSync(engine, scim, steadyUsers);
  const group = (await scim('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Steady',
  })) as { id: string };
  const team = (await orgApi('POST', `/orgs/${orgId}/teams`, { name: 'Steady' })) as { id: string };
  await orgApi('POST', `/orgs/${orgId}/group-mappings`, {
    source: { directory: directoryId, group: 'Steady' },
    team: team.id,
  });
  const batches = steadyUsers / perChange;
  // Change i adds batch i mod batches in even rounds and removes it in odd ones: the group fills, empties, fills.
  const change = async (i: number) => {
    const batch = i % batches;
    const adding = Math.floor(i / batches) % 2 === 0;
    const members = users.slice(batch * perChange, (batch + 1) * perChange);
    await scim('PATCH', `/Groups/${group.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: adding
        ? [{ op: 'add', path: 'members', value: members.map((value) => ({ value })) }]
        : members.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })),
    });
  };
  // Not measured, before the endpoint: a round in and out, so the paths are warm as in a running server.
  for (let i = 0; i < 2 * batches; i += 1) await change(i);

  const received = receiver.of(orgId);
  const start = await readFeed(orgApi, orgId, null);
  await subscribe(orgApi, orgId, receiver.url, start.cursor, received);
  const changes = await paced(options.rate / perChange, options.seconds, (i) => change(i));
  const made = changes.latencies.length * perChange;
  await until(phaseBudgetSeconds * 1000, () => received.first.size >= made);
  const { ids } = await readFeed(orgApi, orgId, start.cursor);
  await awaitAll(received, ids, phaseBudgetSeconds * 1000);

  const achieved = ids.length / changes.seconds;
  // The target holds at the rate it names: a run that fell short of it says nothing of that rate.
  const atRate = achieved >= options.rate * 0.95;
  report(
    engine,
    `events: SCIM group PATCH of ${perChange} members (mapped), ${options.rate / perChange}/s`,
    figuresOf(changes.latencies, changes.seconds),
    { text: `${options.rate} events/s for ${options.seconds} s`, met: atRate },
  );
  const lags = lagsOf(received, ids);
  reportValue(engine, `events delivery lag at ${achieved.toFixed(0)} events/s`, lagLine(lags), {
    text: `p99 < ${lagTargetMs / 1000} s at ${options.rate}/s`,
    met: atRate && at(lags, 0.99) < lagTargetMs,
  });
  return reportCompleteness(engine, 'events delivered at a steady rate, each once', received, ids);
}

export async function benchEvents(engine: string, served: Served, options: EventsOptions): Promise<void> {
  const { users, rate, seconds } = options;
  if (!Number.isInteger(users) || users < 1) throw new Error(`the events bench needs users, not ${users}`);
  if (!(rate > 0) || !(seconds > 0)) throw new Error(`the events bench needs a rate and seconds`);
  process.stdout.write(`${engine} events: Muster runs ${served.shape}, delivering to 127.0.0.1\n`);
  const run = Date.now().toString(36);
  const receiver = await listen();
  try {
    const problems = [
      ...(await syncPhase(engine, served.origin, receiver, run, users)),
      ...(await steadyPhase(engine, served.origin, receiver, run, options)),
    ];
    if (problems.length > 0) throw new Error(`webhook deliveries: ${problems.join('; ')}`);
  } finally {
    await served.stop();
    await receiver.close();
  }
}
