import { html, type SafeHtml } from '../../http/index.ts';
import type { Choices, Mapping, Page } from './mappings-data.ts';

/** The list of an org's group mappings: where each group comes from, what it grants, and its state. */

export const statuses = ['active', 'pending', 'stale', 'deleting'] as const;

function nameOf(list: Choices['directories'], id: string | undefined): SafeHtml | string {
  const found = list.find((x) => x.id === id);
  return found ? found.name : html`<code>${id ?? ''}</code>`;
}

export function groupNameOf(mapping: Mapping): string {
  return mapping.group.name ?? mapping.source.group;
}

function sourceCell(mapping: Mapping, choices: Choices): SafeHtml {
  return mapping.source.directory
    ? html`SCIM directory ${nameOf(choices.directories, mapping.source.directory)}`
    : html`SSO connection ${nameOf(choices.connections, mapping.source.connection)}`;
}

function groupCell(mapping: Mapping): SafeHtml {
  const name = groupNameOf(mapping);
  return html`${name}${
    name.toLowerCase() !== mapping.source.group.toLowerCase()
      ? html` <span class="note">(mapped as ${mapping.source.group})</span>`
      : ''
  }`;
}

function progress(mapping: Mapping): SafeHtml | string {
  const r = mapping.reconciliation;
  if (!r) return '';
  if (r.state === 'failed')
    return html`<p class="error">Applying it failed: ${r.error ?? 'unknown error'}</p>`;
  if (r.state === 'queued' || r.state === 'running')
    return html`<p class="note">Being applied${r.total !== null ? `: ${r.done} of ${r.total}` : ''}.</p>`;
  return '';
}

/** The state in words; a stale mapping in a warning saying why and what to do. */
export function statusCell(mapping: Mapping, confirm: (mapping: Mapping) => SafeHtml): SafeHtml {
  const name = groupNameOf(mapping);
  switch (mapping.status) {
    case 'pending':
      return html`Pending<p class="note">The IdP has not pushed a group “${mapping.source.group}” into this directory yet; the mapping applies once it does.</p>`;
    case 'deleting':
      return html`Being deleted<p class="note">What it granted is being taken back.</p>${progress(mapping)}`;
    case 'stale':
      return mapping.staleReason === 'group_renamed'
        ? html`<p class="warn">Stale: the group was renamed in the IdP from “${mapping.group.confirmedName ?? ''}” to “${name}”. The mapping still applies; confirm it is still meant, or change or delete it.</p>${confirm(mapping)}${progress(mapping)}`
        : html`<p class="warn">Stale: the group “${name}” was deleted in the IdP, and what the mapping granted was taken back. It applies again if the IdP pushes a group with that name or externalId.</p>${progress(mapping)}`;
    default:
      return html`Active${progress(mapping)}`;
  }
}

export interface ListParts {
  readonly path: (rest: string) => string;
  readonly mappings: Page<Mapping>;
  readonly choices: Choices;
  readonly status: string;
  readonly confirm: (mapping: Mapping) => SafeHtml;
}

function actions(mapping: Mapping, path: ListParts['path']): SafeHtml | string {
  if (mapping.status === 'deleting') return '';
  const name = groupNameOf(mapping);
  return html`<a href="${path(`/mappings/${mapping.id}/edit`)}" aria-label="Change the mapping of ${name}">Change</a>
<a href="${path(`/mappings/${mapping.id}/delete`)}" aria-label="Delete the mapping of ${name}">Delete</a>`;
}

export function mappingList(parts: ListParts): SafeHtml {
  const { path, mappings, choices, status } = parts;
  const next = mappings.nextCursor
    ? path(`/mappings?${new URLSearchParams({ ...(status ? { status } : {}), cursor: mappings.nextCursor })}`)
    : undefined;
  return html`<p><a class="button" href="${path('/mappings/new')}">New mapping</a></p>
<form method="get" action="${path('/mappings')}" class="filters">
<div><label for="status">Status</label><select id="status" name="status"><option value="">Any</option>${statuses.map(
    (s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s}</option>`,
  )}</select></div>
<div><button type="submit" class="secondary">Show</button></div></form>
<div class="scroll"><table><thead><tr><th scope="col">Source</th><th scope="col">Group</th><th scope="col">Team</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>${
    mappings.data.length === 0
      ? html`<tr><td colspan="6" class="note">${status ? `No ${status} mappings.` : 'No group mappings yet.'}</td></tr>`
      : ''
  }${mappings.data.map(
    (m) =>
      html`<tr><td>${sourceCell(m, choices)}</td><td>${groupCell(m)}</td><td>${
        m.team
          ? html`<a href="${path(`/members?team=${encodeURIComponent(m.team.slug)}`)}">${m.team.name}</a>`
          : html`<span class="note">none</span>`
      }</td><td>${m.role ?? html`<span class="note">none</span>`}</td><td>${statusCell(m, parts.confirm)}</td><td>${actions(m, path)}</td></tr>`,
  )}</tbody></table></div>
${next ? html`<p><a href="${next}">Next page</a></p>` : ''}`;
}
