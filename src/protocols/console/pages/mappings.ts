import type { Router } from 'express';
import { html } from '../../http/index.ts';
import {
  type ConsoleKit,
  callApi,
  checkForm,
  consoleForm,
  formToken,
  redirectWithNotice,
  shownError,
} from '../kit.ts';
import { proposalSummary, teamAndRole } from './mappings-change.ts';
import { type Mapping, type Preview, readChoices } from './mappings-data.ts';
import { existingMappingPages } from './mappings-existing.ts';
import { type Draft, draftBody, draftFields, draftOf } from './mappings-forms.ts';
import { groupNameOf } from './mappings-list.ts';
import { previewBody } from './mappings-preview.ts';
import { mappingScreens, teamName } from './mappings-screens.ts';

/** What a draft lacks before the API is asked, in the admin's words. */
function missingOf(draft: Draft): string | undefined {
  if (draft.source === 'directory') {
    if (!draft.directory) return 'Choose a directory.';
    if (!draft.group) return 'Choose a group from the list.';
  } else {
    if (!draft.connection) return 'Choose a connection.';
    if (!draft.group) return 'Type the group claim value.';
  }
  return undefined;
}

/**
 * Group mappings: the list with each mapping's state (stale ones flagged
 * with why), a new mapping from a directory's group or a connection's claim
 * value, and changes and deletions; every change is previewed first.
 */
export function mappingPages(router: Router, kit: ConsoleKit): void {
  const screens = mappingScreens(kit);
  const { pathOf, showList, showNew, showPreview } = screens;

  router.get('/mappings', (req, res) => showList(req, res));

  router.get('/mappings/new', (req, res) => showNew(req, res, draftOf(req)));

  router.post('/mappings/preview', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'mapping-preview');
    const draft = draftOf(req);
    const missing = missingOf(draft);
    if (missing) return showNew(req, res, draft, { error: missing, status: 400 });
    try {
      const [preview, choices] = await Promise.all([
        callApi<Preview>(kit, res, 'post', '/orgs/{org}/group-mappings/preview', { body: draftBody(draft) }),
        readChoices(kit, res),
      ]);
      const path = pathOf(res);
      const to = teamName(choices, draft.team);
      showPreview(req, res, {
        title: 'Preview the new mapping',
        summary: proposalSummary(draft, choices, to),
        preview: previewBody(preview, { to, from: null }, 'create'),
        save: html`<form method="post" action="${path('/mappings')}">${formToken(kit, req, res, 'mapping-create')}${draftFields(draft)}<button type="submit">Save mapping</button></form>`,
        back: html`<form method="get" action="${path('/mappings/new')}">${draftFields(draft)}<button type="submit" class="secondary">Back</button></form>`,
      });
    } catch (error) {
      await showNew(req, res, draft, shownError(error, res));
    }
  });

  router.post('/mappings', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'mapping-create');
    const draft = draftOf(req);
    const missing = missingOf(draft);
    if (missing) return showNew(req, res, draft, { error: missing, status: 400 });
    try {
      const mapping = await callApi<Mapping>(kit, res, 'post', '/orgs/{org}/group-mappings', {
        body: draftBody(draft),
      });
      redirectWithNotice(
        res,
        pathOf(res)('/mappings'),
        `Mapping of ${groupNameOf(mapping)} saved (${teamAndRole(mapping.team?.name ?? null, mapping.role)}); it is being applied in the background.`,
      );
    } catch (error) {
      await showNew(req, res, draft, shownError(error, res));
    }
  });

  existingMappingPages(router, kit, screens);
}
