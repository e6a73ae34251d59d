import type { Request, Response } from 'express';
import { html, type SafeHtml } from '../../http/index.ts';
import { type ConsoleKit, callApi, orgIn, orgPath, shownError, showOrgPage } from '../kit.ts';
import { allTeams, type Team } from './members-teams.ts';

export const memberSources = ['scim', 'sso', 'invitation', 'manual'] as const;
export const memberRoles = ['owner', 'admin', 'member'] as const;
const memberStatuses = ['active', 'suspended'] as const;

export interface MemberSummary {
  readonly id: string;
  readonly email: string;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly displayName: string | null;
  readonly status: 'active' | 'suspended';
  readonly role: 'owner' | 'admin' | 'member';
  readonly rolePinned: boolean;
  readonly sources: readonly string[];
}

interface ListedMember extends MemberSummary {
  readonly teams: readonly { id: string; slug: string; name: string; sources: readonly string[] }[];
}

/** The name a member goes by: the display name, else given and family name, else nothing. */
export function nameOf(member: MemberSummary): string {
  if (member.displayName) return member.displayName;
  return [member.givenName, member.familyName].filter((n) => n).join(' ');
}

const filterNames = ['team', 'source', 'role', 'status', 'q'] as const;
type Filters = Partial<Record<(typeof filterNames)[number], string>>;

/** The filters of the query string as typed, empty ones left out (the API refuses an empty value). */
function filtersOf(req: Request): Filters {
  const filters: Filters = {};
  for (const name of filterNames) {
    const value = req.query[name];
    if (typeof value === 'string' && value.trim() !== '') filters[name] = value.trim().slice(0, 200);
  }
  return filters;
}

function choice(name: string, label: string, options: readonly string[], current: string | undefined) {
  return html`<div><label for="filter-${name}">${label}</label><select id="filter-${name}" name="${name}"><option value="">Any</option>${options.map(
    (o) => html`<option value="${o}"${o === current ? html` selected` : ''}>${o}</option>`,
  )}</select></div>`;
}

function filterForm(action: string, teams: readonly Team[], filters: Filters): SafeHtml {
  const team = filters.team?.toLowerCase();
  return html`<form method="get" action="${action}" class="filters" role="search" aria-label="Filter members">
<div><label for="filter-team">Team</label><select id="filter-team" name="team"><option value="">Any</option>${teams.map(
    (t) =>
      html`<option value="${t.slug}"${t.slug === team || t.id === team ? html` selected` : ''}>${t.name}</option>`,
  )}</select></div>
${choice('source', 'Source', memberSources, filters.source)}
${choice('role', 'Role', memberRoles, filters.role)}
${choice('status', 'Status', memberStatuses, filters.status)}
<div><label for="filter-q">Email or name</label><input id="filter-q" name="q" maxlength="200" value="${filters.q ?? ''}"></div>
<div><button type="submit">Filter</button></div></form>`;
}

function memberRow(base: string, member: ListedMember): SafeHtml {
  const teams = member.teams.map(
    (t) => html`<li>${t.name} <span class="note">(${t.sources.join(', ')})</span></li>`,
  );
  return html`<tr><td>${nameOf(member)}</td><td><a href="${base}/${encodeURIComponent(member.id)}">${member.email}</a></td><td>${member.role}${member.rolePinned ? html` <span class="note">(pinned)</span>` : ''}</td><td>${member.status}</td>
<td>${teams.length > 0 ? html`<ul class="plain">${teams}</ul>` : html`<span class="note">none</span>`}</td><td>${member.sources.join(', ')}</td></tr>`;
}

/** Members: filters, a page of the list, the link to the next page with the same filters. */
export async function showMembers(kit: ConsoleKit, req: Request, res: Response): Promise<void> {
  const org = orgIn(res);
  const base = orgPath(org, '/members');
  const filters = filtersOf(req);
  const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
  const teams = await allTeams(kit, res);
  let page: { data: ListedMember[]; nextCursor: string | null } = { data: [], nextCursor: null };
  let refused: { error: string; status: number } | undefined;
  try {
    page = await callApi(kit, res, 'get', '/orgs/{org}/members', {
      query: { limit: '50', ...filters, ...(cursor ? { cursor } : {}) },
    });
  } catch (error) {
    refused = shownError(error, res);
  }
  const next = page.nextCursor
    ? `${base}?${new URLSearchParams({ ...filters, cursor: page.nextCursor }).toString()}`
    : undefined;
  showOrgPage(req, res, {
    section: 'members',
    title: 'Members',
    error: refused?.error,
    status: refused?.status,
    body: html`${filterForm(base, teams, filters)}
<div class="scroll"><table><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Teams (sources)</th><th scope="col">Sources</th></tr></thead><tbody>${
      page.data.length === 0 ? html`<tr><td colspan="6" class="note">No members match.</td></tr>` : ''
    }${page.data.map((m) => memberRow(base, m))}</tbody></table></div>
${next ? html`<p><a href="${next}">Next page</a></p>` : ''}
<p class="note">New people join through SSO, SCIM or an <a href="${orgPath(org, '/invitations')}">invitation</a>.</p>`,
  });
}
