/**
 * Group mapping figures for `npm run bench`, on the SCIM bench's group of N
 * members: a preview of a mapping on it, the reconciliation that applies it
 * to all N, one member's change on the group mapped against unmapped (the
 * engine's cost per IdP event), and the deletion that takes it all back.
 */

import type { Client } from './client.ts';
import { figuresOf, phaseBudgetSeconds, random, report, reportValue, thousands } from './figures.ts';

export interface MappedGroup {
  readonly engine: string;
  /** The admin API as the org's key. */
  readonly api: Client;
  readonly scim: Client;
  readonly orgId: string;
  readonly directoryId: string;
  readonly groupId: string;
  readonly groupName: string;
  /** SCIM ids of the group's members, all N. */
  readonly memberIds: readonly string[];
}

interface MappingBody {
  id: string;
  reconciliation: { state: string; done: number; total: number | null; added: number } | null;
}

const patchSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const memberPatch = (op: 'Add' | 'Remove', id: string) => ({
  schemas: [patchSchema],
  Operations: [{ op, path: 'members', value: [{ value: id }] }],
});

/** Polls until `done` says so, or fails after `budgetSeconds`; resolves with the seconds it took. */
async function until(budgetSeconds: number, done: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await done()) return (performance.now() - started) / 1000;
    if (performance.now() - started > budgetSeconds * 1000) throw new Error(`not done in ${budgetSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A random member's removal and re-adding, `count` times, one at a time; the latencies of each. */
async function memberChanges(g: MappedGroup, count: number, seed: number): Promise<number[]> {
  const pick = random(seed);
  const latencies: number[] = [];
  const until = performance.now() + phaseBudgetSeconds * 1000;
  for (let k = 0; k < count && performance.now() < until; k += 1) {
    const id = g.memberIds[Math.floor(pick() * g.memberIds.length)] as string;
    for (const op of ['Remove', 'Add'] as const) {
      const t0 = performance.now();
      await g.scim('PATCH', `/Groups/${g.groupId}`, memberPatch(op, id));
      latencies.push(performance.now() - t0);
    }
  }
  return latencies;
}

/** Creates a mapping and waits for its reconciliation; the seconds from the request to the end. */
async function apply(
  g: MappedGroup,
  proposal: object,
  grantsPerMember: number,
): Promise<{ id: string; seconds: number }> {
  const base = `/orgs/${g.orgId}`;
  const started = performance.now();
  const mapping = (await g.api('POST', `${base}/group-mappings`, proposal)) as MappingBody;
  let last: MappingBody = mapping;
  await until(600, async () => {
    last = (await g.api('GET', `${base}/group-mappings/${mapping.id}`)) as MappingBody;
    if (last.reconciliation?.state === 'failed') throw new Error('the reconciliation failed');
    return last.reconciliation?.state === 'done';
  });
  const seconds = (performance.now() - started) / 1000;
  const expected = grantsPerMember * g.memberIds.length;
  if (last.reconciliation?.added !== expected)
    throw new Error(`the reconciliation added ${last.reconciliation?.added} grants, not ${expected}`);
  return { id: mapping.id, seconds };
}

/** Deletes a mapping and waits until its grants are taken back and it is gone; the seconds that took. */
async function remove(g: MappedGroup, id: string): Promise<number> {
  const path = `/orgs/${g.orgId}/group-mappings`;
  const started = performance.now();
  await g.api('DELETE', `${path}/${id}`);
  await until(
    600,
    async () => ((await g.api('GET', `${path}?limit=1`)) as { data: unknown[] }).data.length === 0,
  );
  return (performance.now() - started) / 1000;
}

export async function benchMappings(g: MappedGroup): Promise<void> {
  const { engine, api } = g;
  const n = g.memberIds.length;
  const members = `${thousands(n)} members`;
  const base = `/orgs/${g.orgId}`;
  const team = (await api('POST', `${base}/teams`, { name: 'Everyone' })) as { id: string };
  const source = { directory: g.directoryId, group: g.groupName };
  const target = (seconds: number) => ({ text: '< 30 s', met: seconds < 30 });

  const t0 = performance.now();
  const preview = (await api('POST', `${base}/group-mappings/preview`, { source, team: team.id })) as {
    add: { count: number };
  };
  const previewMs = performance.now() - t0;
  if (preview.add.count !== n) throw new Error(`the preview would add ${preview.add.count} of ${n}`);
  reportValue(engine, `preview of a mapping on ${members}`, `${previewMs.toFixed(0)} ms`);

  const unmapped = await memberChanges(g, 200, 7);
  const teamOnly = await apply(g, { source, team: team.id }, 1);
  reportValue(
    engine,
    `mapping to a team on ${members} applied`,
    `${teamOnly.seconds.toFixed(1)} s`,
    target(teamOnly.seconds),
  );
  const mapped = await memberChanges(g, 200, 11);
  const removedTeam = await remove(g, teamOnly.id);
  reportValue(engine, `  and deleted (team taken back)`, `${removedTeam.toFixed(1)} s`, target(removedTeam));

  const both = await apply(g, { source, team: team.id, role: 'admin' }, 2);
  reportValue(
    engine,
    `mapping to a team and a role applied`,
    `${both.seconds.toFixed(1)} s`,
    target(both.seconds),
  );
  const mappedBoth = await memberChanges(g, 200, 13);
  const removedBoth = await remove(g, both.id);
  reportValue(
    engine,
    `  and deleted (team and role taken back)`,
    `${removedBoth.toFixed(1)} s`,
    target(removedBoth),
  );

  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / 1000;
  for (const [what, latencies] of [
    ['unmapped', unmapped],
    ['mapped to a team', mapped],
    ['mapped to a team and a role', mappedBoth],
  ] as const)
    report(engine, `SCIM PATCH 1 member of ${thousands(n)}, ${what}`, figuresOf(latencies, sum(latencies)));
}
