import type { Response } from 'express';
import { type ConsoleKit, callApi } from '../kit.ts';

/** What the mapping pages read through the admin API, in the shapes it answers. */

export interface Mapping {
  readonly id: string;
  readonly source: { readonly directory?: string; readonly connection?: string; readonly group: string };
  readonly group: {
    readonly id: string | null;
    readonly name: string | null;
    readonly confirmedName: string | null;
  };
  readonly team: { readonly id: string; readonly slug: string; readonly name: string } | null;
  readonly role: string | null;
  readonly status: 'active' | 'pending' | 'stale' | 'deleting';
  readonly staleReason: 'group_renamed' | 'group_deleted' | null;
  readonly reconciliation: {
    readonly state: string;
    readonly done: number;
    readonly total: number | null;
    readonly error: string | null;
  } | null;
}

export interface Preview {
  readonly considered: number;
  readonly add: { readonly count: number; readonly sample: { email: string }[] };
  readonly remove: { readonly count: number; readonly sample: { email: string }[] };
  readonly roleChanges: {
    readonly count: number;
    readonly sample: { email: string; from: string; to: string }[];
  };
}

export interface Named {
  readonly id: string;
  readonly name: string;
}

export interface Team extends Named {
  readonly slug: string;
}

export interface DirectoryGroup {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly memberCount: number;
}

export interface Page<T> {
  readonly data: T[];
  readonly nextCursor: string | null;
}

/** The org's teams, directories and connections: the choices of a mapping's forms and the names in its list. */
export interface Choices {
  readonly teams: Team[];
  readonly directories: Named[];
  readonly connections: Named[];
}

// A select of more than this many is no use to anyone; an org that large
// types a team's slug through the API.
const maxPages = 5;

async function all<T>(kit: ConsoleKit, res: Response, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < maxPages; n++) {
    const page: Page<T> = await callApi(kit, res, 'get', path, {
      query: { limit: '200', ...(cursor ? { cursor } : {}) },
    });
    items.push(...page.data);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return items;
}

export async function readChoices(kit: ConsoleKit, res: Response): Promise<Choices> {
  const [teams, directories, connections] = await Promise.all([
    all<Team>(kit, res, '/orgs/{org}/teams'),
    all<Named>(kit, res, '/orgs/{org}/directories'),
    all<Named>(kit, res, '/orgs/{org}/connections'),
  ]);
  return {
    teams: teams.map(({ id, name, slug }) => ({ id, name, slug })),
    directories: directories.map(({ id, name }) => ({ id, name })),
    connections: connections.map(({ id, name }) => ({ id, name })),
  };
}

export function readMappings(
  kit: ConsoleKit,
  res: Response,
  query: { cursor?: string | undefined; status?: string | undefined },
): Promise<Page<Mapping>> {
  return callApi(kit, res, 'get', '/orgs/{org}/group-mappings', {
    query: {
      limit: '50',
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.status ? { status: query.status } : {}),
    },
  });
}

export function readMapping(kit: ConsoleKit, res: Response, id: string): Promise<Mapping> {
  return callApi(kit, res, 'get', '/orgs/{org}/group-mappings/{mapping}', { params: { mapping: id } });
}

/** A page of a directory's groups whose name starts with `q`. */
export function readGroups(
  kit: ConsoleKit,
  res: Response,
  directory: string,
  query: { q: string; cursor?: string | undefined },
): Promise<Page<DirectoryGroup>> {
  return callApi(kit, res, 'get', '/orgs/{org}/directories/{dir}/groups', {
    params: { dir: directory },
    query: {
      limit: '50',
      ...(query.q ? { q: query.q } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    },
  });
}
