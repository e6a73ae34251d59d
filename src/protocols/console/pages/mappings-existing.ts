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
import { teamAndRole } from './mappings-change.ts';
import { type Mapping, type Preview, readChoices, readMapping } from './mappings-data.ts';
import { draftOf } from './mappings-forms.ts';
import { groupNameOf } from './mappings-list.ts';
import { previewBody } from './mappings-preview.ts';
import { type MappingScreens, queryValue, teamName } from './mappings-screens.ts';

/** An existing mapping: a change of team or role and a deletion, each previewed; a renamed group confirmed. */
export function existingMappingPages(router: Router, kit: ConsoleKit, screens: MappingScreens): void {
  const { pathOf, showList, showPreview, showChange } = screens;

  router.get('/mappings/:mapping/edit', async (req, res) => {
    const prefill =
      'team' in req.query ? { team: queryValue(req, 'team'), role: queryValue(req, 'role') } : {};
    try {
      await showChange(req, res, String(req.params.mapping), prefill);
    } catch (error) {
      await showList(req, res, shownError(error, res));
    }
  });

  router.post('/mappings/:mapping/preview', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'mapping-preview');
    const id = String(req.params.mapping);
    const { team, role } = draftOf(req);
    try {
      const [mapping, choices] = await Promise.all([readMapping(kit, res, id), readChoices(kit, res)]);
      const preview = await callApi<Preview>(kit, res, 'post', '/orgs/{org}/group-mappings/preview', {
        body: { mapping: mapping.id, team: team || null, role: role || null },
      });
      const path = pathOf(res);
      const fields = html`<input type="hidden" name="team" value="${team}"><input type="hidden" name="role" value="${role}">`;
      const to = teamName(choices, team);
      showPreview(req, res, {
        title: 'Preview the change',
        summary: html`<p>The mapping of ${groupNameOf(mapping)}: from ${teamAndRole(mapping.team?.name ?? null, mapping.role)} to ${teamAndRole(to, role || null)}.</p>`,
        preview: previewBody(preview, { to, from: mapping.team?.name ?? null }, 'change'),
        save: html`<form method="post" action="${path(`/mappings/${mapping.id}`)}">${formToken(kit, req, res, 'mapping-update')}${fields}<button type="submit">Save changes</button></form>`,
        back: html`<form method="get" action="${path(`/mappings/${mapping.id}/edit`)}">${fields}<button type="submit" class="secondary">Back</button></form>`,
      });
    } catch (error) {
      const shown = shownError(error, res);
      await showChange(req, res, id, { ...shown, team, role }).catch(() => showList(req, res, shown));
    }
  });

  router.post('/mappings/:mapping', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'mapping-update');
    const id = String(req.params.mapping);
    const { team, role } = draftOf(req);
    try {
      const mapping = await callApi<Mapping>(kit, res, 'patch', '/orgs/{org}/group-mappings/{mapping}', {
        params: { mapping: id },
        body: { team: team || null, role: role || null },
      });
      redirectWithNotice(
        res,
        pathOf(res)('/mappings'),
        `Mapping of ${groupNameOf(mapping)} changed to ${teamAndRole(mapping.team?.name ?? null, mapping.role)}; it is being applied in the background.`,
      );
    } catch (error) {
      const shown = shownError(error, res);
      await showChange(req, res, id, { ...shown, team, role }).catch(() => showList(req, res, shown));
    }
  });

  router.get('/mappings/:mapping/delete', async (req, res) => {
    try {
      const [mapping, choices] = await Promise.all([
        readMapping(kit, res, String(req.params.mapping)),
        readChoices(kit, res),
      ]);
      const preview = await callApi<Preview>(kit, res, 'post', '/orgs/{org}/group-mappings/preview', {
        body: { mapping: mapping.id, delete: true },
      });
      const path = pathOf(res);
      showPreview(req, res, {
        title: 'Delete a group mapping',
        summary: html`<p>The mapping of ${groupNameOf(mapping)} (${
          mapping.source.directory ? 'SCIM directory' : 'SSO connection'
        } ${
          (
            mapping.source.directory
              ? choices.directories.find((d) => d.id === mapping.source.directory)
              : choices.connections.find((c) => c.id === mapping.source.connection)
          )?.name ?? ''
        }), granting ${teamAndRole(mapping.team?.name ?? null, mapping.role)}.</p>`,
        preview: previewBody(preview, { to: null, from: mapping.team?.name ?? null }, 'delete'),
        save: html`<form method="post" action="${path(`/mappings/${mapping.id}/delete`)}">${formToken(kit, req, res, 'mapping-delete')}<button type="submit" class="danger">Delete mapping</button></form>`,
        back: html`<form method="get" action="${path('/mappings')}"><button type="submit" class="secondary">Back</button></form>`,
      });
    } catch (error) {
      await showList(req, res, shownError(error, res));
    }
  });

  router.post('/mappings/:mapping/delete', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'mapping-delete');
    try {
      const mapping = await callApi<Mapping>(kit, res, 'delete', '/orgs/{org}/group-mappings/{mapping}', {
        params: { mapping: String(req.params.mapping) },
      });
      redirectWithNotice(
        res,
        pathOf(res)('/mappings'),
        `Mapping of ${groupNameOf(mapping)} deleted; what it granted is being taken back.`,
      );
    } catch (error) {
      await showList(req, res, shownError(error, res));
    }
  });

  // Confirming a renamed group changes no grant, so it needs no preview.
  router.post('/mappings/:mapping/confirm', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'mapping-confirm');
    try {
      const mapping = await callApi<Mapping>(kit, res, 'patch', '/orgs/{org}/group-mappings/{mapping}', {
        params: { mapping: String(req.params.mapping) },
        body: {},
      });
      redirectWithNotice(
        res,
        pathOf(res)('/mappings'),
        `The mapping follows the group as ${groupNameOf(mapping)}.`,
      );
    } catch (error) {
      await showList(req, res, shownError(error, res));
    }
  });
}
