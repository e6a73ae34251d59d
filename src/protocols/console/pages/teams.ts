import type { Request, Response, Router } from 'express';
import { html } from '../../http/index.ts';
import {
  type ConsoleKit,
  callApi,
  checkForm,
  consoleForm,
  formToken,
  formValue,
  orgIn,
  orgPath,
  redirectWithNotice,
  shownError,
  showOrgPage,
} from '../kit.ts';

interface Team {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly description: string | null;
}

interface Shown {
  readonly error?: string;
  readonly status?: number;
  readonly values?: { name: string; slug: string; description: string };
}

/** Teams: the list, a new team, a rename, a deletion (which ends the team's memberships). */
export function teamPages(router: Router, kit: ConsoleKit): void {
  const show = async (req: Request, res: Response, shown: Shown = {}) => {
    const org = orgIn(res);
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const teams = await callApi<{ data: Team[]; nextCursor: string | null }>(
      kit,
      res,
      'get',
      '/orgs/{org}/teams',
      {
        query: { limit: '100', ...(cursor ? { cursor } : {}) },
      },
    );
    const values = shown.values ?? { name: '', slug: '', description: '' };
    showOrgPage(req, res, {
      section: 'teams',
      title: 'Teams',
      error: shown.error,
      status: shown.status,
      body: html`<div class="scroll"><table><thead><tr><th scope="col">Name</th><th scope="col">Slug</th><th scope="col">Description</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>${
        teams.data.length === 0 ? html`<tr><td colspan="4" class="note">No teams yet.</td></tr>` : ''
      }${teams.data.map(
        (
          team,
        ) => html`<tr><td><a href="${orgPath(org, `/members?team=${encodeURIComponent(team.slug)}`)}">${team.name}</a></td><td>${team.slug}</td><td>${team.description ?? ''}</td>
<td><form class="inline" method="post" action="${orgPath(org, `/teams/${team.id}/delete`)}">${formToken(kit, req, res, 'team-delete')}<button type="submit" class="danger" aria-label="Delete team ${team.name}">Delete</button></form></td></tr>`,
      )}</tbody></table></div>
${teams.nextCursor ? html`<p><a href="${orgPath(org, `/teams?cursor=${encodeURIComponent(teams.nextCursor)}`)}">Next page</a></p>` : ''}
<form method="post" action="${orgPath(org, '/teams')}">${formToken(kit, req, res, 'team-create')}<fieldset><legend>New team</legend>
<label for="team-name">Name</label><input id="team-name" name="name" required maxlength="200" value="${values.name}">
<label for="team-slug">Slug (optional)</label><input id="team-slug" name="slug" maxlength="63" value="${values.slug}">
<label for="team-description">Description (optional)</label><input id="team-description" name="description" maxlength="2000" value="${values.description}">
<button type="submit">Create team</button></fieldset></form>`,
    });
  };

  router.get('/teams', (req, res) => show(req, res));

  router.post('/teams', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'team-create');
    const values = {
      name: formValue(req, 'name', 200),
      slug: formValue(req, 'slug', 63),
      description: formValue(req, 'description'),
    };
    try {
      const team = await callApi<Team>(kit, res, 'post', '/orgs/{org}/teams', {
        body: {
          name: values.name,
          ...(values.slug ? { slug: values.slug } : {}),
          ...(values.description ? { description: values.description } : {}),
        },
      });
      redirectWithNotice(res, orgPath(orgIn(res), '/teams'), `Team ${team.name} created.`);
    } catch (error) {
      await show(req, res, { ...shownError(error, res), values });
    }
  });

  router.post('/teams/:team/delete', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'team-delete');
    try {
      const team = await callApi<Team>(kit, res, 'get', '/orgs/{org}/teams/{team}', {
        params: { team: String(req.params.team) },
      });
      await callApi(kit, res, 'delete', '/orgs/{org}/teams/{team}', { params: { team: team.id } });
      redirectWithNotice(res, orgPath(orgIn(res), '/teams'), `Team ${team.name} deleted.`);
    } catch (error) {
      await show(req, res, shownError(error, res));
    }
  });
}
