import type { Request, Response } from 'express';
import { html, type SafeHtml } from '../../http/index.ts';
import { type ConsoleKit, callApi, formToken, orgIn, orgPath, showOrgPage } from '../kit.ts';
import { type MemberSummary, memberRoles, nameOf } from './members-list.ts';
import { allTeams } from './members-teams.ts';

interface GrantOrigin {
  readonly source: string;
  readonly directoryId: string | null;
  readonly connectionId: string | null;
  readonly invitationId: string | null;
  readonly mapping: { id: string; group: { key: string; name: string | null } } | null;
  readonly since: string;
}

export interface MemberDetail extends MemberSummary {
  readonly teams: readonly { id: string; slug: string; name: string; grants: readonly GrantOrigin[] }[];
  readonly roleGrants: readonly (GrantOrigin & { role: string })[];
}

export interface MemberShown {
  readonly error?: string | undefined;
  readonly status?: number | undefined;
}

export const memberPath = (res: Response, userId: string, rest = '') =>
  orgPath(orgIn(res), `/members/${encodeURIComponent(userId)}${rest}`);

export async function fetchMember(kit: ConsoleKit, res: Response, user: string): Promise<MemberDetail> {
  return callApi<MemberDetail>(kit, res, 'get', '/orgs/{org}/members/{user}', { params: { user } });
}

/** Minutes are enough to tell grants apart; seconds would only be noise. */
export const shortTime = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** What made a grant: the IdP group of the mapping behind it, an invitation, an admin's hand. */
function via(grant: GrantOrigin, mappings: string): SafeHtml {
  if (grant.mapping) {
    const { key, name } = grant.mapping.group;
    return html`IdP group ${name ?? key}${
      name && name !== key ? html` <span class="note">(${key})</span>` : ''
    } through a <a href="${mappings}">group mapping</a>`;
  }
  if (grant.source === 'invitation') return html`an invitation`;
  if (grant.source === 'manual') return html`set by hand`;
  return html`<span class="note">directly</span>`;
}

function grantRows(member: MemberDetail, base: string, mappings: string): SafeHtml[] {
  return member.teams.flatMap((team) =>
    team.grants.map(
      (grant) =>
        html`<tr><td><a href="${base}?team=${encodeURIComponent(team.slug)}">${team.name}</a></td><td>${grant.source}</td><td>${via(grant, mappings)}</td><td>${shortTime(grant.since)}</td></tr>`,
    ),
  );
}

/** One member: who, each team and role grant with its source, and the forms that change them. */
export async function showMember(
  kit: ConsoleKit,
  req: Request,
  res: Response,
  userId: string,
  shown: MemberShown = {},
): Promise<void> {
  const org = orgIn(res);
  const member = await fetchMember(kit, res, userId);
  const teams = await allTeams(kit, res);
  const byHand = new Set(
    member.teams.filter((t) => t.grants.some((g) => g.source === 'manual')).map((t) => t.id),
  );
  const path = (rest: string) => memberPath(res, member.id, rest);
  const mappings = orgPath(org, '/mappings');
  const rows = grantRows(member, orgPath(org, '/members'), mappings);
  showOrgPage(req, res, {
    section: 'members',
    title: nameOf(member) || member.email,
    error: shown.error,
    status: shown.status,
    body: html`<p><a href="${orgPath(org, '/members')}">All members</a></p>
<dl><dt>Email</dt><dd>${member.email}</dd><dt>Role</dt><dd>${member.role}${member.rolePinned ? ' (pinned)' : ''}</dd>
<dt>Status</dt><dd>${member.status}</dd><dt>Sources</dt><dd>${member.sources.join(', ') || '—'}</dd></dl>
<h2>Teams</h2>
<div class="scroll"><table><thead><tr><th scope="col">Team</th><th scope="col">Source</th><th scope="col">Granted through</th><th scope="col">Since</th></tr></thead><tbody>${
      rows.length === 0 ? html`<tr><td colspan="4" class="note">In no team.</td></tr>` : rows
    }</tbody></table></div>
<h2>Role grants</h2>
<div class="scroll"><table><thead><tr><th scope="col">Role</th><th scope="col">Source</th><th scope="col">Granted through</th><th scope="col">Since</th></tr></thead><tbody>${
      member.roleGrants.length === 0
        ? html`<tr><td colspan="4" class="note">No role grant: the member role by default.</td></tr>`
        : member.roleGrants.map(
            (g) =>
              html`<tr><td>${g.role}</td><td>${g.source}</td><td>${via(g, mappings)}</td><td>${shortTime(g.since)}</td></tr>`,
          )
    }</tbody></table></div>
<form method="post" action="${path('/role')}">${formToken(kit, req, res, 'member-role')}<fieldset><legend>Role</legend>
<label for="member-role">Role in ${org.name}</label><select id="member-role" name="role">${memberRoles.map(
      (r) => html`<option value="${r}"${r === member.role ? html` selected` : ''}>${r}</option>`,
    )}</select>
<label class="check" for="member-pinned"><input type="checkbox" id="member-pinned" name="pinned" value="yes"${
      member.rolePinned ? html` checked` : ''
    }> Pin this role over what group mappings grant</label>
<button type="submit">Change role</button></fieldset></form>
<form method="post" action="${path('/teams')}">${formToken(kit, req, res, 'member-teams')}<fieldset><legend>Teams held by hand</legend>
<p class="note">Teams granted through SCIM, SSO or an invitation stay as they are, whatever is checked here.</p>${
      teams.length === 0
        ? html`<p class="note">The org has no teams yet.</p>`
        : teams.map(
            (t) =>
              html`<label class="check" for="member-team-${t.id}"><input type="checkbox" id="member-team-${t.id}" name="teams" value="${t.id}"${
                byHand.has(t.id) ? html` checked` : ''
              }> ${t.name}</label>`,
          )
    }
<button type="submit">Save teams</button></fieldset></form>
<form method="get" action="${path('/remove')}"><button type="submit" class="danger">Remove from ${org.name}…</button></form>`,
  });
}

/** The step before a removal: what it ends, and the button that does it. */
export async function showRemoval(
  kit: ConsoleKit,
  req: Request,
  res: Response,
  userId: string,
  shown: MemberShown = {},
): Promise<void> {
  const org = orgIn(res);
  const member = await fetchMember(kit, res, userId);
  showOrgPage(req, res, {
    section: 'members',
    title: `Remove ${member.email}?`,
    error: shown.error,
    status: shown.status,
    body: html`<div class="warn"><p>Removing ${member.email} from ${org.name} takes effect at once:</p>
<ul><li>every team membership and role grant ends, whatever its source;</li>
<li>their sessions end: they are signed out everywhere;</li>
<li>the API keys they made are revoked;</li>
<li>the invitations they sent that are still pending are revoked.</li></ul>
<p>The audit log keeps the history. A SCIM directory that still assigns them may provision them again.</p></div>
<form method="post" action="${memberPath(res, member.id, '/remove')}">${formToken(kit, req, res, 'member-remove')}
<button type="submit" class="danger">Remove ${member.email}</button></form>
<p><a href="${memberPath(res, member.id)}">Cancel, back to ${member.email}</a></p>`,
  });
}
