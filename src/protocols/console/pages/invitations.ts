import type { Request, Router } from 'express';
import {
  type ConsoleKit,
  callApi,
  checkForm,
  consoleForm,
  orgIn,
  orgPath,
  redirectWithNotice,
  shownError,
} from '../kit.ts';
import { inviteBody, inviteValuesOf } from './invitations-input.ts';
import { type Invitation, showInvitations } from './invitations-list.ts';
import { type InviteResult, showInviteResult } from './invitations-result.ts';
import { csvTextOf, csvUpload, uploadRefusalOf } from './invitations-upload.ts';

const invitationOf = (req: Request) => String(req.params.invitation);

/**
 * Invitations: the list by status with resend and revoke, inviting from a
 * form or a CSV file. What an invite made is rendered in answer to its
 * post, since the links it shows are never shown again.
 */
export function invitationPages(router: Router, kit: ConsoleKit): void {
  router.get('/invitations', (req, res) => showInvitations(kit, req, res));

  router.post('/invitations', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'invitation-create');
    const values = inviteValuesOf(req);
    try {
      const result = await callApi<InviteResult>(kit, res, 'post', '/orgs/{org}/invitations', {
        body: inviteBody(values),
      });
      showInviteResult(req, res, result, false);
    } catch (error) {
      await showInvitations(kit, req, res, { ...shownError(error, res), values });
    }
  });

  // Multipart: the parser reads the CSRF field with the file, so the check comes after it.
  router.post('/invitations/csv', csvUpload, async (req, res) => {
    checkForm(kit, req, res, 'invitation-csv');
    const file = uploadRefusalOf(req) ?? csvTextOf(req);
    if (!('text' in file)) return showInvitations(kit, req, res, file);
    try {
      const result = await callApi<InviteResult>(kit, res, 'post', '/orgs/{org}/invitations/csv', {
        body: { csv: file.text },
      });
      showInviteResult(req, res, result, true);
    } catch (error) {
      await showInvitations(kit, req, res, shownError(error, res));
    }
  });

  router.post('/invitations/:invitation/resend', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'invitation-resend');
    try {
      const sent = await callApi<Invitation & { acceptUrl: string }>(
        kit,
        res,
        'post',
        '/orgs/{org}/invitations/{invitation}/resend',
        { params: { invitation: invitationOf(req) } },
      );
      res.setHeader('Cache-Control', 'no-store');
      await showInvitations(kit, req, res, { resent: { email: sent.email, acceptUrl: sent.acceptUrl } });
    } catch (error) {
      await showInvitations(kit, req, res, shownError(error, res));
    }
  });

  router.post('/invitations/:invitation/revoke', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'invitation-revoke');
    try {
      const revoked = await callApi<Invitation>(kit, res, 'delete', '/orgs/{org}/invitations/{invitation}', {
        params: { invitation: invitationOf(req) },
      });
      redirectWithNotice(
        res,
        orgPath(orgIn(res), '/invitations'),
        `The invitation to ${revoked.email} is revoked.`,
      );
    } catch (error) {
      await showInvitations(kit, req, res, shownError(error, res));
    }
  });
}
