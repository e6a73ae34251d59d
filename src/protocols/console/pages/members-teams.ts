import type { Response } from 'express';
import { type ConsoleKit, callApi } from '../kit.ts';

export interface Team {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
}

// Forms list every team as a checkbox or option; past this many pages a
// form would be unusable anyway, so the list stops there.
const maxPages = 10;

/** Every team of the org (name order is the API's), for selects and checkboxes. */
export async function allTeams(kit: ConsoleKit, res: Response): Promise<Team[]> {
  const teams: Team[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const batch: { data: Team[]; nextCursor: string | null } = await callApi(
      kit,
      res,
      'get',
      '/orgs/{org}/teams',
      {
        query: { limit: '200', ...(cursor ? { cursor } : {}) },
      },
    );
    teams.push(...batch.data);
    cursor = batch.nextCursor;
    if (!cursor) break;
  }
  return teams;
}
