import type { Request, Response } from 'express';
import { MusterError } from '../../../errors.ts';
import { html, type SafeHtml } from '../../http/index.ts';
import { type ConsoleKit, callApi, formToken, orgIn, orgPath, shownError, showOrgPage } from '../kit.ts';
import { emptyInvite, type InviteValues } from './invitations-input.ts';
import { shortTime } from './members-detail.ts';
import { allTeams, type Team } from './members-teams.ts';

export const invitationStatuses = ['pending', 'accepted', 'expired', 'revoked'] as const;

export interface Invitation {
  readonly id: string;
  readonly email: string;
  readonly role: string;
  readonly teamIds: readonly string[];
  readonly tags: readonly { key: string; value: string }[];
  readonly status: (typeof invitationStatuses)[number];
  readonly expiresAt: string;
  readonly invitedBy: { type: string; id: string | null; userId: string | null };
  readonly delivery: { state: 'queued' | 'sent' | 'failed'; lastError: string | null } | null;
}

export interface InvitationsShown {
  readonly error?: string | undefined;
  readonly status?: number | undefined;
  /** The invite form as it was sent, to fill in again. */
  readonly values?: InviteValues | undefined;
  /** A resend's fresh link, shown this once. */
  readonly resent?: { readonly email: string; readonly acceptUrl: string } | undefined;
}

// Inviters are named by one member lookup each; a page rarely has more than a few.
const maxInviterLookups = 20;

/** Who sent each invitation, by the inviter's email where the inviter is (still) a member. */
async function inviterNames(kit: ConsoleKit, res: Response, list: readonly Invitation[]) {
  const names = new Map<string, string>();
  const userIds = [...new Set(list.map((i) => i.invitedBy.userId).filter((id): id is string => id !== null))];
  for (const userId of userIds.slice(0, maxInviterLookups)) {
    try {
      const member = await callApi<{ email: string }>(kit, res, 'get', '/orgs/{org}/members/{user}', {
        params: { user: userId },
      });
      names.set(userId, member.email);
    } catch (error) {
      if (!(error instanceof MusterError && error.code === 'not_found')) throw error;
      names.set(userId, 'a former member');
    }
  }
  return names;
}

function inviterOf(invitation: Invitation, names: ReadonlyMap<string, string>): string {
  const by = invitation.invitedBy;
  if (by.userId) return names.get(by.userId) ?? `member ${by.userId}`;
  if (by.type === 'api_key') return `API key ${by.id ?? ''}`.trim();
  if (by.type === 'admin_token') return 'the operator';
  return by.type;
}

function delivery(invitation: Invitation): SafeHtml {
  const d = invitation.delivery;
  if (!d) return html`<span class="note">—</span>`;
  return d.state === 'failed'
    ? html`failed${d.lastError ? html`: <span class="note">${d.lastError}</span>` : ''}`
    : html`${d.state}`;
}

function actions(kit: ConsoleKit, req: Request, res: Response, invitation: Invitation): SafeHtml {
  if (invitation.status !== 'pending' && invitation.status !== 'expired') return html``;
  const path = (rest: string) =>
    orgPath(orgIn(res), `/invitations/${encodeURIComponent(invitation.id)}${rest}`);
  // An expired invitation can be sent again (fresh link, fresh end); only a pending one can be revoked.
  return html`<form class="inline" method="post" action="${path('/resend')}">${formToken(kit, req, res, 'invitation-resend')}<button type="submit" class="secondary" aria-label="Resend the invitation to ${invitation.email}">Resend</button></form>${
    invitation.status === 'pending'
      ? html`<form class="inline" method="post" action="${path('/revoke')}">${formToken(kit, req, res, 'invitation-revoke')}<button type="submit" class="danger" aria-label="Revoke the invitation to ${invitation.email}">Revoke</button></form>`
      : ''
  }`;
}

function table(
  kit: ConsoleKit,
  req: Request,
  res: Response,
  list: readonly Invitation[],
  teams: ReadonlyMap<string, string>,
  names: ReadonlyMap<string, string>,
): SafeHtml {
  return html`<div class="scroll"><table><thead><tr><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Role</th><th scope="col">Teams</th><th scope="col">Tags</th><th scope="col">Expires</th><th scope="col">Delivery</th><th scope="col">Invited by</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>${
    list.length === 0 ? html`<tr><td colspan="9" class="note">No invitations here.</td></tr>` : ''
  }${list.map(
    (i) => html`<tr><td>${i.email}</td><td>${i.status}</td><td>${i.role}</td><td>${i.teamIds
      .map((id) => teams.get(id) ?? 'a deleted team')
      .join(', ')}</td><td>${i.tags.map((t) => (t.value ? `${t.key}:${t.value}` : t.key)).join(', ')}</td>
<td>${shortTime(i.expiresAt)}</td><td>${delivery(i)}</td><td>${inviterOf(i, names)}</td><td>${actions(kit, req, res, i)}</td></tr>`,
  )}</tbody></table></div>`;
}

function inviteForm(
  kit: ConsoleKit,
  req: Request,
  res: Response,
  teams: readonly Team[],
  values: InviteValues,
  defaultDays: number | undefined,
): SafeHtml {
  const org = orgIn(res);
  const checked = new Set(values.teams);
  return html`<form method="post" action="${orgPath(org, '/invitations')}">${formToken(kit, req, res, 'invitation-create')}<fieldset><legend>Invite people</legend>
<label for="invite-emails">Emails (one a line, or separated by commas)</label>
<textarea id="invite-emails" name="emails" rows="4" required>${values.emails}</textarea>
<fieldset><legend>Teams they join</legend>${
    teams.length === 0
      ? html`<p class="note">The org has no teams yet.</p>`
      : teams.map(
          (t) =>
            html`<label class="check" for="invite-team-${t.id}"><input type="checkbox" id="invite-team-${t.id}" name="teams" value="${t.id}"${
              checked.has(t.id) || checked.has(t.slug) ? html` checked` : ''
            }> ${t.name}</label>`,
        )
  }</fieldset>
<label for="invite-role">Role</label><select id="invite-role" name="role">${['member', 'admin'].map(
    (r) => html`<option value="${r}"${r === values.role ? html` selected` : ''}>${r}</option>`,
  )}</select>
<label for="invite-expires">Expires in days (1 to 30; blank for the org's default${
    defaultDays ? `, ${defaultDays}` : ''
  })</label>
<input id="invite-expires" name="expiresInDays" type="number" min="1" max="30" inputmode="numeric" value="${values.expiresInDays}">
<label for="invite-tags">Tags (optional, one a line: key=value, key:value or key)</label>
<textarea id="invite-tags" name="tags" rows="2">${values.tags}</textarea>
<label for="invite-message">Personal message (optional, in the mail)</label>
<textarea id="invite-message" name="message" rows="3" maxlength="1000">${values.message}</textarea>
<button type="submit">Send invitations</button></fieldset></form>`;
}

function csvForm(kit: ConsoleKit, req: Request, res: Response): SafeHtml {
  return html`<form method="post" action="${orgPath(orgIn(res), '/invitations/csv')}" enctype="multipart/form-data">${formToken(
    kit,
    req,
    res,
    'invitation-csv',
  )}<fieldset><legend>Invite from a CSV file</legend>
<p class="note">A header row naming the columns <code>email,teams,role,tags</code> (only email is required); several teams or tags in one cell separated by <code>;</code>. At most 500 rows, 1 MiB.</p>
<label for="invite-csv">CSV file</label><input id="invite-csv" name="file" type="file" accept=".csv,text/csv" required>
<button type="submit">Upload and invite</button></fieldset></form>`;
}

/** Invitations: by status, a page at a time, with resend and revoke; the invite and CSV forms. */
export async function showInvitations(
  kit: ConsoleKit,
  req: Request,
  res: Response,
  shown: InvitationsShown = {},
): Promise<void> {
  const org = orgIn(res);
  const base = orgPath(org, '/invitations');
  const status =
    typeof req.query.status === 'string' && req.query.status !== '' ? req.query.status : undefined;
  const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
  const teams = await allTeams(kit, res);
  const settings = await callApi<{ expiryDays: number }>(kit, res, 'get', '/orgs/{org}/invitation-settings');
  let page: { data: Invitation[]; nextCursor: string | null } = { data: [], nextCursor: null };
  let refused = shown.error ? { error: shown.error, status: shown.status ?? 400 } : undefined;
  try {
    page = await callApi(kit, res, 'get', '/orgs/{org}/invitations', {
      query: { limit: '50', ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) },
    });
  } catch (error) {
    refused ??= shownError(error, res);
  }
  const names = await inviterNames(kit, res, page.data);
  const next = page.nextCursor
    ? `${base}?${new URLSearchParams({ ...(status ? { status } : {}), cursor: page.nextCursor }).toString()}`
    : undefined;
  showOrgPage(req, res, {
    section: 'invitations',
    title: 'Invitations',
    error: refused?.error,
    status: refused?.status,
    body: html`${
      shown.resent
        ? html`<div class="notice" role="status"><p>Sent again to ${shown.resent.email}. The earlier link no longer works; the new one, shown only now:</p><p class="secret">${shown.resent.acceptUrl}</p></div>`
        : ''
    }${inviteForm(kit, req, res, teams, shown.values ?? emptyInvite, settings.expiryDays)}
${csvForm(kit, req, res)}
<h2 id="sent">Sent invitations</h2>
<form method="get" action="${base}" class="filters" role="search" aria-label="Filter invitations">
<div><label for="filter-status">Status</label><select id="filter-status" name="status"><option value="">Any</option>${invitationStatuses.map(
      (s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s}</option>`,
    )}</select></div><div><button type="submit">Filter</button></div></form>
${table(kit, req, res, page.data, new Map(teams.map((t) => [t.id, t.name])), names)}
${next ? html`<p><a href="${next}">Next page</a></p>` : ''}`,
  });
}
