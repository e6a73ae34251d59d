import type { Request, Response } from 'express';
import { html, type SafeHtml } from '../../http/index.ts';
import { type ConsoleKit, formToken, orgIn, orgPath, shownError, showOrgPage } from '../kit.ts';
import { mappingChangeForm } from './mappings-change.ts';
import {
  type Choices,
  type DirectoryGroup,
  type Mapping,
  type Page,
  readChoices,
  readGroups,
  readMapping,
  readMappings,
} from './mappings-data.ts';
import { type Draft, newMappingForm } from './mappings-forms.ts';
import { groupNameOf, mappingList, statuses } from './mappings-list.ts';

/** The pages of the mappings section, each read through the API and shown with an error when given one. */

export interface Shown {
  readonly error?: string | undefined;
  readonly status?: number | undefined;
}

export function queryValue(req: Request, name: string): string {
  const value = req.query[name];
  return typeof value === 'string' ? value.trim().slice(0, 3000) : '';
}

export const teamName = (choices: Choices, id: string) =>
  choices.teams.find((t) => t.id === id)?.name ?? null;

export function mappingScreens(kit: ConsoleKit) {
  const pathOf = (res: Response) => (rest: string) => orgPath(orgIn(res), rest);
  const confirmButton = (req: Request, res: Response) => (mapping: Mapping) =>
    html`<form class="inline" method="post" action="${pathOf(res)(`/mappings/${mapping.id}/confirm`)}">${formToken(
      kit,
      req,
      res,
      'mapping-confirm',
    )}<button type="submit" class="secondary" aria-label="Confirm the new name of ${groupNameOf(mapping)}">Confirm the new name</button></form>`;

  const showList = async (req: Request, res: Response, shown: Shown = {}) => {
    const wanted = queryValue(req, 'status');
    const status = (statuses as readonly string[]).includes(wanted) ? wanted : '';
    const [mappings, choices] = await Promise.all([
      readMappings(kit, res, { cursor: queryValue(req, 'cursor') || undefined, status: status || undefined }),
      readChoices(kit, res),
    ]);
    showOrgPage(req, res, {
      section: 'mappings',
      title: 'Group mappings',
      ...shown,
      body: mappingList({ path: pathOf(res), mappings, choices, status, confirm: confirmButton(req, res) }),
    });
  };

  const showNew = async (req: Request, res: Response, draft: Draft, shown: Shown = {}) => {
    const choices = await readChoices(kit, res);
    const only = choices.directories.length === 1 ? choices.directories[0]?.id : undefined;
    const directory = choices.directories.some((d) => d.id === draft.directory) ? draft.directory : only;
    let groups: { directory: string; page: Page<DirectoryGroup>; cursor: string } | undefined;
    let problem = shown;
    if (directory) {
      const cursor = req.method === 'GET' ? queryValue(req, 'cursor') : '';
      try {
        const page = await readGroups(kit, res, directory, { q: draft.q, cursor: cursor || undefined });
        groups = { directory, page, cursor };
      } catch (error) {
        problem = shown.error ? shown : shownError(error, res);
      }
    }
    showOrgPage(req, res, {
      section: 'mappings',
      title: 'New group mapping',
      ...problem,
      body: newMappingForm({
        path: pathOf(res),
        csrf: formToken(kit, req, res, 'mapping-preview'),
        choices,
        draft,
        groups,
      }),
    });
  };

  const showPreview = (
    req: Request,
    res: Response,
    page: { title: string; summary: SafeHtml; preview: SafeHtml; save: SafeHtml; back: SafeHtml },
  ) =>
    showOrgPage(req, res, {
      section: 'mappings',
      title: page.title,
      body: html`${page.summary}${page.preview}<div class="filters">${page.save}${page.back}</div>`,
    });

  const showChange = async (
    req: Request,
    res: Response,
    id: string,
    values: Shown & { team?: string; role?: string },
  ) => {
    const [mapping, choices] = await Promise.all([readMapping(kit, res, id), readChoices(kit, res)]);
    showOrgPage(req, res, {
      section: 'mappings',
      title: 'Change a group mapping',
      error: values.error,
      status: values.status,
      body: mappingChangeForm({
        path: pathOf(res),
        csrf: formToken(kit, req, res, 'mapping-preview'),
        mapping,
        choices,
        team: values.team ?? mapping.team?.id ?? '',
        role: values.role ?? mapping.role ?? '',
      }),
    });
  };

  return { pathOf, showList, showNew, showPreview, showChange };
}

export type MappingScreens = ReturnType<typeof mappingScreens>;
