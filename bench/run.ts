/**
 * `npm run bench`: figures for the directory core over real HTTP on
 * loopback, on PGlite and, with DATABASE_URL set, on that PostgreSQL server
 * (in a database of its own, dropped afterwards).
 */

import pg from 'pg';
import { openDatabase } from '../src/storage/index.ts';
import { benchEvents } from './events.ts';
import { phaseBudgetSeconds, report, timed } from './figures.ts';
import { benchSaml } from './saml.ts';
import { benchScim } from './scim.ts';
import { adminToken, type Served, serveInProcess, serveWorkers } from './serve.ts';

async function call(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = res.status === 204 ? undefined : await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function benchEngine(engine: string, served: Served): Promise<void> {
  const base = `${served.origin}/api/v1`;
  const run = Date.now().toString(36);
  try {
    report(
      engine,
      'create org (with audit event), 8 in flight',
      await timed(1000, 8, phaseBudgetSeconds, async (i) => {
        await call(base, 'POST', '/orgs', adminToken, { name: `Bench ${run} ${i}` });
      }),
    );
    const org = (await call(base, 'POST', '/orgs', adminToken, { name: `Bench ${run} main` })) as {
      id: string;
    };
    const { key } = (await call(base, 'POST', `/orgs/${org.id}/api-keys`, adminToken, { name: 'bench' })) as {
      key: string;
    };
    report(
      engine,
      'create team (with audit event), 8 in flight',
      await timed(2000, 8, phaseBudgetSeconds, async (i) => {
        await call(base, 'POST', `/orgs/${org.id}/teams`, key, { name: `Team ${i}` });
      }),
    );
    report(
      engine,
      'GET team by slug with an org API key, 8 in flight',
      await timed(4000, 8, phaseBudgetSeconds, async (i) => {
        await call(base, 'GET', `/orgs/${org.id}/teams/team-${i % 2000}`, key);
      }),
    );
    report(
      engine,
      'page of 200 audit events (2,001 in the org)',
      await timed(300, 4, phaseBudgetSeconds, async () => {
        await call(base, 'GET', `/orgs/${org.id}/audit-events?limit=200`, key);
      }),
    );
  } finally {
    await served.stop();
  }
}

async function withServerDatabase(adminUrl: string, fn: (url: string) => Promise<void>): Promise<void> {
  const name = `muster_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

process.stdout.write(`muster bench: node ${process.version}, loopback HTTP\n`);
// BENCH_ONLY=postgres or BENCH_ONLY=pglite measures one engine; BENCH_PARTS=core,saml,scim,events (all by
// default) some parts.
const only = process.env.BENCH_ONLY;
const parts = new Set((process.env.BENCH_PARTS ?? 'core,saml,scim,events').split(','));
// The events part: a sync of BENCH_EVENTS_USERS users, then BENCH_EVENTS_RATE changes a second for BENCH_EVENTS_SECONDS.
const eventsOptions = (defaultUsers: number) => ({
  users: Number(process.env.BENCH_EVENTS_USERS ?? defaultUsers),
  rate: Number(process.env.BENCH_EVENTS_RATE ?? 500),
  seconds: Number(process.env.BENCH_EVENTS_SECONDS ?? 20),
});
const memory = async () => serveInProcess(await openDatabase({ memory: true }));
if (only !== 'postgres') {
  if (parts.has('core')) await benchEngine('pglite', await memory());
  if (parts.has('saml')) await benchSaml('pglite', await memory());
  if (parts.has('scim'))
    await benchScim('pglite', await memory(), { users: Number(process.env.BENCH_PGLITE_USERS ?? 20_000) });
  if (parts.has('events')) await benchEvents('pglite', await memory(), eventsOptions(20_000));
}
const serverUrl = only === 'pglite' ? undefined : process.env.DATABASE_URL;
// On the server Muster runs as in production, in WORKERS processes of its own (BENCH_WORKERS, default 2).
const workers = Number(process.env.BENCH_WORKERS ?? 2);
if (serverUrl) {
  const inProcess = async (url: string) => serveInProcess(await openDatabase({ url, poolMax: 10 }));
  if (parts.has('core'))
    await withServerDatabase(serverUrl, async (url) => benchEngine('postgres', await inProcess(url)));
  // On one process, as the target says: what one core does with a sign-in.
  if (parts.has('saml'))
    await withServerDatabase(serverUrl, async (url) => benchSaml('postgres', await inProcess(url)));
  if (parts.has('scim'))
    await withServerDatabase(serverUrl, async (url) => {
      await benchScim('postgres', await serveWorkers(url, workers), {
        users: Number(process.env.BENCH_POSTGRES_USERS ?? 100_000),
      });
    });
  // As the SCIM part: Muster as in production, its supervising process delivering the webhooks.
  if (parts.has('events'))
    await withServerDatabase(serverUrl, async (url) => {
      await benchEvents('postgres', await serveWorkers(url, workers), eventsOptions(100_000));
    });
} else {
  process.stdout.write('(set DATABASE_URL=postgres://… to measure on a PostgreSQL server as well)\n');
}
process.exit(0);
