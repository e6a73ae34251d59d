/**
 * SCIM figures for `npm run bench`, over real HTTP on loopback, for a
 * directory of N users and a group of N members: an Entra-style initial sync
 * by 32 clients, userName lookups, member changes on a group of 100 and on
 * the group of N, group lookups by displayName and pages of users at any
 * depth, then group mappings on the group of N (bench/mappings.ts). On
 * PostgreSQL each line also shows its target and whether it is met.
 */

import { type Client, client } from './client.ts';
import {
  type Figures,
  figuresOf,
  phaseBudgetSeconds,
  random,
  report,
  reportValue,
  thousands,
  timed,
} from './figures.ts';
import { benchMappings } from './mappings.ts';
import { adminToken, type Served } from './serve.ts';

const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
const enterpriseSchema = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const patchSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The initial sync and the filling of the big group stop here at the latest (the bench then fails). */
export const syncBudgetSeconds = 900;

/** With BENCH_PROGRESS set, where a long phase stands, on stderr. */
export const progress = process.env.BENCH_PROGRESS
  ? (s: string) => process.stderr.write(`  … ${s}\n`)
  : () => {};

const givenNames = [
  'Ada',
  'Grace',
  'Alan',
  'Katherine',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Frances',
];
const familyNames = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov'];
const departments = ['Engineering', 'Sales', 'Finance', 'Support', 'Marketing', 'Legal', 'Operations'];
const titles = ['Engineer', 'Senior Engineer', 'Account Executive', 'Analyst', 'Manager', 'Director'];
const cities = [
  ['Redmond', 'WA', '98052'],
  ['Dublin', 'D', 'D02 X285'],
  ['Munich', 'BY', '80807'],
];

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** A stable GUID-looking id per user, like the Entra object id Entra sends as externalId. */
function objectId(i: number): string {
  return `${hex(i, 8)}-${hex(i % 0xffff, 4)}-4${hex(i % 0xfff, 3)}-8${hex(i % 0xfff, 3)}-${hex(i * 7919, 12).slice(-12)}`;
}

function userNameOf(i: number): string {
  const given = givenNames[i % givenNames.length] ?? 'Ada';
  const family = familyNames[Math.floor(i / givenNames.length) % familyNames.length] ?? 'Lovelace';
  return `${given}.${family}.${i}@contoso.example`;
}

/** What Entra ID sends to create a user with its default attribute mappings. */
function entraUser(i: number) {
  const userName = userNameOf(i);
  const [given, rest] = userName.split('.') as [string, string];
  const family = rest;
  const [locality, region, postalCode] = cities[i % cities.length] ?? ['Redmond', 'WA', '98052'];
  return {
    schemas: [userSchema, enterpriseSchema],
    externalId: objectId(i),
    userName,
    active: true,
    displayName: `${given} ${family}`,
    title: titles[i % titles.length],
    preferredLanguage: 'en-US',
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: `${given} ${family}`, familyName: family, givenName: given },
    phoneNumbers: [
      { type: 'work', value: `+1 425 555 ${String(i % 10_000).padStart(4, '0')}` },
      { type: 'mobile', value: `+1 206 555 ${String((i * 7) % 10_000).padStart(4, '0')}` },
    ],
    addresses: [
      {
        type: 'work',
        formatted: `${i % 400} Main Street, ${locality}`,
        streetAddress: `${i % 400} Main Street`,
        locality,
        region,
        postalCode,
        country: 'US',
      },
    ],
    [enterpriseSchema]: {
      employeeNumber: String(100_000 + i),
      department: departments[i % departments.length],
      costCenter: `CC-${i % 50}`,
      organization: 'Contoso',
    },
  };
}

function memberPatch(op: 'Add' | 'Remove', ids: readonly string[]) {
  return {
    schemas: [patchSchema],
    Operations: [{ op, path: 'members', value: ids.map((value) => ({ value })) }],
  };
}

interface ListResponse {
  totalResults: number;
  Resources: { id: string }[];
}

const q = (filter: string) => encodeURIComponent(filter);

/** A new org with an API key and an Entra ID directory: the admin API as the key, and the directory's SCIM. */
export async function entraDirectory(
  origin: string,
  name: string,
): Promise<{ orgId: string; orgApi: Client; directoryId: string; scim: Client }> {
  const api = client(`${origin}/api/v1`, adminToken, 'application/json');
  const org = (await api('POST', '/orgs', { name })) as { id: string };
  const { key } = (await api('POST', `/orgs/${org.id}/api-keys`, { name: 'bench' })) as { key: string };
  const orgApi = client(`${origin}/api/v1`, key, 'application/json');
  const directory = (await orgApi('POST', `/orgs/${org.id}/directories`, {
    name: 'Entra ID',
    provider: 'entra',
  })) as { id: string; token: string };
  const scim = client(`${origin}/scim/v2/${directory.id}`, directory.token, 'application/scim+json');
  return { orgId: org.id, orgApi, directoryId: directory.id, scim };
}

/**
 * The initial sync of N users, 32 clients: for each user, Entra looks the
 * userName up, then creates it. The SCIM ids, by user; throws when the
 * sync did not finish in `syncBudgetSeconds`.
 */
export async function initialSync(
  engine: string,
  scim: Client,
  n: number,
): Promise<{ ids: string[]; sync: Figures }> {
  const ids: string[] = new Array(n);
  let done = 0;
  const ticker = setInterval(() => progress(`${engine} sync ${thousands(done)}/${thousands(n)}`), 10_000);
  const sync = await timed(n, 32, syncBudgetSeconds, async (i) => {
    const userName = userNameOf(i);
    const found = (await scim('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`)) as ListResponse;
    if (found.totalResults !== 0) throw new Error(`${userName} already exists`);
    ids[i] = ((await scim('POST', '/Users', entraUser(i))) as { id: string }).id;
    done += 1;
  }).finally(() => clearInterval(ticker));
  if (sync.count < n)
    throw new Error(`the sync created ${sync.count} of ${n} users in ${syncBudgetSeconds} s`);
  return { ids, sync };
}

/**
 * Reads are measured in steady state: after a bulk load, once the table
 * upkeep Muster runs (or the server's autovacuum) has caught up, as it has a
 * few seconds after any real sync. The wait is reported.
 */
async function settle(engine: string, served: Served): Promise<void> {
  const waited = await served.settled();
  progress(`${engine} statistics settled after ${(waited / 1000).toFixed(1)} s`);
}

export async function benchScim(engine: string, served: Served, options: { users: number }): Promise<void> {
  const n = options.users;
  if (!Number.isInteger(n) || n < 1_000)
    throw new Error(`the SCIM bench needs at least 1,000 users, not ${n}`);
  const { origin } = served;
  process.stdout.write(`${engine} SCIM: Muster runs ${served.shape}\n`);
  const run = Date.now().toString(36);
  try {
    const { orgId, orgApi, directoryId, scim } = await entraDirectory(origin, `SCIM bench ${run}`);
    const { ids, sync } = await initialSync(engine, scim, n);
    report(engine, 'SCIM sync: lookup + create user, 32 clients', sync, {
      text: '>= 1,500/s',
      met: sync.count / sync.seconds >= 1_500,
    });
    reportValue(engine, `SCIM sync of ${thousands(n)} users: total`, `${sync.seconds.toFixed(1)} s`, {
      text: '< 120 s',
      met: sync.seconds < 120,
    });

    await settle(engine, served);
    const pick = random(42);
    const lookups = await timed(5_000, 8, phaseBudgetSeconds, async () => {
      const i = Math.floor(pick() * n);
      const found = (await scim(
        'GET',
        `/Users?filter=${q(`userName eq "${userNameOf(i)}"`)}`,
      )) as ListResponse;
      if (found.totalResults !== 1 || found.Resources[0]?.id !== ids[i])
        throw new Error(`lookup of user ${i}`);
    });
    report(engine, 'SCIM userName eq lookup, 8 in flight', lookups, {
      text: 'p99 < 5 ms',
      met: lookups.p99 < 5,
    });

    // Groups: a few ordinary ones, a group of 100 and a group of N.
    const createGroup = async (displayName: string) =>
      (
        (await scim('POST', '/Groups', {
          schemas: [groupSchema],
          displayName,
          externalId: `g-${displayName}`,
        })) as {
          id: string;
        }
      ).id;
    const groupNames = Array.from({ length: 98 }, (_, i) => `Contoso Team ${i}`);
    for (const name of groupNames) await createGroup(name);
    const small = await createGroup('Contoso 100');
    const big = await createGroup('Contoso All');
    groupNames.push('Contoso 100', 'Contoso All');
    await scim('PATCH', `/Groups/${small}`, memberPatch('Add', ids.slice(0, 100)));
    const fillStarted = performance.now();
    for (let i = 0; i < n; i += 1_000) {
      if (performance.now() - fillStarted > syncBudgetSeconds * 1000)
        throw new Error('filling the big group');
      await scim('PATCH', `/Groups/${big}`, memberPatch('Add', ids.slice(i, i + 1_000)));
      if (i % 10_000 === 0) progress(`${engine} big group ${thousands(i)}/${thousands(n)}`);
    }
    await settle(engine, served);

    // One add and one remove on each group in turn, one request in flight, so both groups see the same
    // machine; each group's size stays put. Members are random users, so neither group gets a warmer cache.
    type Op = 'add' | 'remove';
    const latencies: Record<'small' | 'big', Record<Op, number[]>> = {
      small: { add: [], remove: [] },
      big: { add: [], remove: [] },
    };
    const change = async (which: 'small' | 'big', op: Op, id: string) => {
      const t0 = performance.now();
      await scim(
        'PATCH',
        `/Groups/${which === 'small' ? small : big}`,
        memberPatch(op === 'add' ? 'Add' : 'Remove', [id]),
      );
      latencies[which][op].push(performance.now() - t0);
    };
    const changesUntil = performance.now() + phaseBudgetSeconds * 1000;
    for (let k = 0; k < 500 && performance.now() < changesUntil; k += 1) {
      const outsider = ids[100 + Math.floor(pick() * (n - 100))] as string;
      await change('small', 'add', outsider);
      await change('small', 'remove', outsider);
      const member = ids[Math.floor(pick() * n)] as string;
      await change('big', 'remove', member);
      await change('big', 'add', member);
    }
    const busy = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / 1000;
    for (const which of ['small', 'big'] as const) {
      for (const op of ['add', 'remove'] as const) {
        const f = figuresOf(latencies[which][op], busy(latencies[which][op]));
        const ratio = f.p50 / figuresOf(latencies.small[op], 1).p50;
        report(
          engine,
          `SCIM PATCH ${op} 1 member, group of ${which === 'small' ? '100' : thousands(n)}`,
          f,
          which === 'big'
            ? { text: `p50 within 1.2x of group of 100 (${ratio.toFixed(2)}x)`, met: ratio <= 1.2 }
            : undefined,
        );
      }
    }

    const groupLookups = await timed(2_000, 8, phaseBudgetSeconds, async (i) => {
      const name = groupNames[groupNames.length - 1 - (i % groupNames.length)] as string;
      const found = (await scim(
        'GET',
        `/Groups?filter=${q(`displayName eq "${name}"`)}&excludedAttributes=members`,
      )) as ListResponse;
      if (found.totalResults !== 1) throw new Error(`lookup of group ${name}`);
    });
    report(engine, 'SCIM displayName eq, no members, 8 in flight', groupLookups);

    for (const start of [1, Math.floor(n / 2), n - 99]) {
      const readPage = async () => {
        const list = (await scim('GET', `/Users?startIndex=${start}&count=100`)) as ListResponse;
        if (list.Resources.length !== 100 || list.totalResults !== n) throw new Error(`page at ${start}`);
      };
      // Not timed: the first pages compile the rendering of 100 users, which a running server has long done.
      for (let i = 0; i < 20; i++) await readPage();
      const page = await timed(200, 1, phaseBudgetSeconds, readPage);
      report(engine, `SCIM page of 100 users at startIndex ${thousands(start)}`, page, {
        text: 'p99 < 20 ms',
        met: page.p99 < 20,
      });
    }

    await benchMappings({
      engine,
      api: orgApi,
      scim,
      orgId,
      directoryId,
      groupId: big,
      groupName: 'Contoso All',
      memberIds: ids,
    });
  } finally {
    await served.stop();
  }
}
