import type { Request } from 'express';
import { html, type SafeHtml } from '../../http/index.ts';
import { formValue } from '../kit.ts';
import type { Choices, DirectoryGroup, Page, Team } from './mappings-data.ts';

/**
 * A mapping being drafted: what the new-mapping form, its preview and its
 * Back button carry between them (in a query string or a posted form).
 */
export interface Draft {
  readonly source: 'directory' | 'connection';
  readonly directory: string;
  readonly connection: string;
  /**
   * A directory group's display name (readable in the list and the audit
   * log; a mapping matches it in any case), or a connection's claim value.
   */
  readonly group: string;
  /** The search the group was picked from, kept for Back. */
  readonly q: string;
  /** A team id, or '' for none. */
  readonly team: string;
  /** admin, member, or '' for none. */
  readonly role: string;
}

function queryValue(req: Request, name: string, max: number): string {
  const value = req.query[name];
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

/** The draft from a posted form or, for GET (the search and Back), from the query string. */
export function draftOf(req: Request): Draft {
  const read =
    req.method === 'GET'
      ? (n: string, max: number) => queryValue(req, n, max)
      : (n: string, max: number) => formValue(req, n, max);
  return {
    source: read('source', 20) === 'connection' ? 'connection' : 'directory',
    directory: read('directory', 100),
    connection: read('connection', 100),
    group: read('group', 400),
    q: read('q', 400),
    team: read('team', 100),
    role: read('role', 20),
  };
}

/** The hidden fields that carry a draft to the next step. */
export function draftFields(draft: Draft): SafeHtml {
  return html`${Object.entries(draft).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}`;
}

/** The preview's and the API's body for a new mapping. */
export function draftBody(draft: Draft) {
  return {
    source:
      draft.source === 'directory'
        ? { directory: draft.directory, group: draft.group }
        : { connection: draft.connection, group: draft.group },
    team: draft.team || null,
    role: draft.role || null,
  };
}

const selected = (yes: boolean) => (yes ? html` selected` : '');

export function teamSelect(id: string, teams: readonly Team[], current: string): SafeHtml {
  return html`<label for="${id}">Team</label><select id="${id}" name="team">
<option value="">No team (a role only)</option>${teams.map(
    (t) => html`<option value="${t.id}"${selected(t.id === current)}>${t.name}</option>`,
  )}</select>`;
}

export function roleSelect(id: string, current: string): SafeHtml {
  const roles = [
    ['', 'No role (a team only)'],
    ['member', 'member'],
    ['admin', 'admin'],
  ] as const;
  return html`<label for="${id}">Org role</label><select id="${id}" name="role">${roles.map(
    ([value, label]) => html`<option value="${value}"${selected(value === current)}>${label}</option>`,
  )}</select>`;
}

function groupRadios(groups: Page<DirectoryGroup>, draft: Draft): SafeHtml {
  if (groups.data.length === 0)
    return html`<p class="note">${
      draft.q
        ? `No group of this directory has a name starting with “${draft.q}”.`
        : 'The IdP has not pushed any group into this directory yet.'
    }</p>`;
  return html`${groups.data.map(
    (g, i) =>
      html`<label class="check" for="group-${i}"><input type="radio" id="group-${i}" name="group" value="${g.displayName}"${
        g.displayName === draft.group ? html` checked` : ''
      } required> ${g.displayName} <span class="note">(${g.memberCount} ${g.memberCount === 1 ? 'member' : 'members'})</span></label>`,
  )}`;
}

export interface NewFormParts {
  readonly path: (rest: string) => string;
  readonly csrf: SafeHtml;
  readonly choices: Choices;
  readonly draft: Draft;
  /** The directory searched, and the page of its groups found; none before a directory is chosen. */
  readonly groups?:
    | { readonly directory: string; readonly page: Page<DirectoryGroup>; readonly cursor: string }
    | undefined;
}

function directoryPart(parts: NewFormParts): SafeHtml {
  const { path, choices, draft, groups } = parts;
  if (choices.directories.length === 0)
    return html`<p class="note">This organization has no SCIM directory yet.</p>`;
  const searched = groups?.directory ?? '';
  const next = groups?.page.nextCursor
    ? path(
        `/mappings/new?${new URLSearchParams({ directory: searched, q: draft.q, cursor: groups.page.nextCursor })}`,
      )
    : undefined;
  return html`<form method="get" action="${path('/mappings/new')}" class="filters">
<div><label for="find-directory">Directory</label><select id="find-directory" name="directory">${choices.directories.map(
    (d) => html`<option value="${d.id}"${selected(d.id === searched)}>${d.name}</option>`,
  )}</select></div>
<div><label for="find-q">Group name starts with</label><input id="find-q" name="q" type="search" maxlength="400" value="${draft.q}"></div>
<div><button type="submit" class="secondary">Find groups</button></div></form>
${
  groups
    ? html`<form method="post" action="${path('/mappings/preview')}">${parts.csrf}
<input type="hidden" name="source" value="directory"><input type="hidden" name="directory" value="${searched}"><input type="hidden" name="q" value="${draft.q}">
<fieldset><legend>Group</legend>${groupRadios(groups.page, draft)}${
        next ? html`<p><a href="${next}">More groups</a></p>` : ''
      }</fieldset>
${teamSelect('directory-team', choices.teams, draft.team)}
${roleSelect('directory-role', draft.role)}
<button type="submit">Preview</button></form>`
    : ''
}`;
}

function connectionPart(parts: NewFormParts): SafeHtml {
  const { path, choices, draft } = parts;
  if (choices.connections.length === 0)
    return html`<p class="note">This organization has no SSO connection yet.</p>`;
  const typed = draft.source === 'connection';
  return html`<form method="post" action="${path('/mappings/preview')}">${parts.csrf}
<input type="hidden" name="source" value="connection">
<label for="connection">Connection</label><select id="connection" name="connection">${choices.connections.map(
    (c) => html`<option value="${c.id}"${selected(typed && c.id === draft.connection)}>${c.name}</option>`,
  )}</select>
<label for="claim">Group claim value</label>
<input id="claim" name="group" required maxlength="400" value="${typed ? draft.group : ''}" aria-describedby="claim-help">
<p class="note" id="claim-help">As the IdP sends it in the groups claim or attribute: an Entra group's object id, an Okta or Keycloak group name, a Keycloak path such as /eng/platform.</p>
${teamSelect('connection-team', choices.teams, typed ? draft.team : '')}
${roleSelect('connection-role', typed ? draft.role : '')}
<button type="submit">Preview</button></form>`;
}

/** The new-mapping form: a directory's group found by a search, or a connection's claim value; then a team and a role. */
export function newMappingForm(parts: NewFormParts): SafeHtml {
  return html`<p class="note">Members of an IdP group join a team, get an org role, or both. Pick the group, then preview what the mapping would do before saving it.</p>
<section aria-labelledby="from-directory"><h2 id="from-directory">A group of a SCIM directory</h2>
${directoryPart(parts)}</section>
<section aria-labelledby="from-connection"><h2 id="from-connection">A group claim of an SSO connection</h2>
${connectionPart(parts)}</section>
<p><a href="${parts.path('/mappings')}">Back to the mappings</a></p>`;
}
