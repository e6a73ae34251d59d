import type { Request, Response, Router } from 'express';
import {
  type ConsoleKit,
  callApi,
  checkForm,
  consoleForm,
  formValue,
  formValues,
  orgIn,
  orgPath,
  redirectWithNotice,
  shownError,
} from '../kit.ts';
import { fetchMember, type MemberDetail, memberPath, showMember, showRemoval } from './members-detail.ts';
import { showMembers } from './members-list.ts';

const userOf = (req: Request) => String(req.params.user);

/**
 * Members: the filtered list, one member's grants and their sources, a
 * role change, the teams held by hand, and a removal confirmed on a page
 * of its own (it ends the member's access at once).
 */
export function memberPages(router: Router, kit: ConsoleKit): void {
  router.get('/members', (req, res) => showMembers(kit, req, res));

  router.get('/members/:user', (req, res) => showMember(kit, req, res, userOf(req)));

  const patch = (res: Response, user: string, body: Record<string, unknown>) =>
    callApi<MemberDetail>(kit, res, 'patch', '/orgs/{org}/members/{user}', { params: { user }, body });

  router.post('/members/:user/role', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'member-role');
    try {
      const member = await patch(res, userOf(req), {
        role: formValue(req, 'role', 20),
        rolePinned: formValue(req, 'pinned') === 'yes',
      });
      redirectWithNotice(
        res,
        memberPath(res, member.id),
        `${member.email} is now ${member.role}${member.rolePinned ? ' (pinned)' : ''}.`,
      );
    } catch (error) {
      await showMember(kit, req, res, userOf(req), shownError(error, res));
    }
  });

  router.post('/members/:user/teams', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'member-teams');
    try {
      const member = await patch(res, userOf(req), { teams: formValues(req, 'teams') });
      const held = member.teams.filter((t) => t.grants.some((g) => g.source === 'manual')).map((t) => t.name);
      redirectWithNotice(
        res,
        memberPath(res, member.id),
        held.length > 0
          ? `${member.email} now holds by hand: ${held.join(', ')}.`
          : `${member.email} holds no team by hand now.`,
      );
    } catch (error) {
      await showMember(kit, req, res, userOf(req), shownError(error, res));
    }
  });

  router.get('/members/:user/remove', (req, res) => showRemoval(kit, req, res, userOf(req)));

  router.post('/members/:user/remove', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'member-remove');
    const member = await fetchMember(kit, res, userOf(req));
    try {
      await callApi(kit, res, 'delete', '/orgs/{org}/members/{user}', { params: { user: member.id } });
      redirectWithNotice(res, orgPath(orgIn(res), '/members'), `${member.email} was removed.`);
    } catch (error) {
      await showRemoval(kit, req, res, member.id, shownError(error, res));
    }
  });
}
