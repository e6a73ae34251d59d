import { html, type SafeHtml } from '../../http/index.ts';
import type { Choices, Mapping } from './mappings-data.ts';
import { type Draft, roleSelect, teamSelect } from './mappings-forms.ts';
import { groupNameOf } from './mappings-list.ts';

/** "team Platform and role admin", "team Platform", "role admin". */
export function teamAndRole(team: string | null, role: string | null): string {
  const parts = [team ? `team ${team}` : '', role ? `role ${role}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' and ') : 'nothing';
}

/** What a new mapping is about to be: the group, where it comes from, what it grants. */
export function proposalSummary(draft: Draft, choices: Choices, team: string | null): SafeHtml {
  const source =
    draft.source === 'directory'
      ? html`Group “${draft.group}” of the SCIM directory ${
          choices.directories.find((d) => d.id === draft.directory)?.name ?? draft.directory
        }`
      : html`Group claim value “${draft.group}” of the SSO connection ${
          choices.connections.find((c) => c.id === draft.connection)?.name ?? draft.connection
        }`;
  return html`<dl><dt>Group</dt><dd>${source}</dd><dt>Team</dt><dd>${team ?? 'none'}</dd><dt>Role</dt><dd>${
    draft.role || 'none'
  }</dd></dl>`;
}

export interface ChangeFormParts {
  readonly path: (rest: string) => string;
  readonly csrf: SafeHtml;
  readonly mapping: Mapping;
  readonly choices: Choices;
  /** The values to show selected: the mapping's own, or those brought Back from a preview. */
  readonly team: string;
  readonly role: string;
}

/** A mapping's team and role, to change; the group and its source stay. */
export function mappingChangeForm(parts: ChangeFormParts): SafeHtml {
  const { path, mapping, choices } = parts;
  return html`<p>The mapping of ${groupNameOf(mapping)} grants ${teamAndRole(mapping.team?.name ?? null, mapping.role)} now. Its group and source stay; to map another group, make a new mapping.</p>
<form method="post" action="${path(`/mappings/${mapping.id}/preview`)}">${parts.csrf}
${teamSelect('change-team', choices.teams, parts.team)}
${roleSelect('change-role', parts.role)}
<button type="submit">Preview</button></form>
<p><a href="${path('/mappings')}">Back to the mappings</a></p>`;
}
