import { html, type SafeHtml } from '../../http/index.ts';
import type { Preview } from './mappings-data.ts';

/** How a preview reads: what joins and leaves which team, whose role changes, and who, by a sample. */

export type PreviewMode = 'create' | 'change' | 'delete';

export interface PreviewTeams {
  /** The team the mapping would grant; null for none. */
  readonly to: string | null;
  /** The team of the mapping being changed or deleted; null for none (or a new mapping). */
  readonly from: string | null;
}

function members(n: number): string {
  return `${n} ${n === 1 ? 'member' : 'members'}`;
}

/** The headline: "Adds 2 members to Platform, removes 0." */
export function previewHeadline(preview: Preview, teams: PreviewTeams, mode: PreviewMode): string {
  const removes = teams.from
    ? `${members(preview.remove.count)} from ${teams.from}`
    : `${preview.remove.count}`;
  if (mode === 'delete') return teams.from ? `Removes ${removes}.` : 'Removes no team membership.';
  const adds = teams.to ? `Adds ${members(preview.add.count)} to ${teams.to}` : 'Adds no one to a team';
  return `${adds}, removes ${removes}.`;
}

function sample(title: string, emails: readonly string[], total: number): SafeHtml | string {
  if (total === 0) return '';
  const more = total - emails.length;
  return html`<p>${title}</p><ul>${emails.map((e) => html`<li>${e}</li>`)}${
    more > 0 ? html`<li class="note">and ${more} more</li>` : ''
  }</ul>`;
}

const afterwards: Record<PreviewMode, string> = {
  create:
    'Nothing changes until you save. Then a background job applies the mapping to everyone, and whoever joins or leaves the group later follows it.',
  change: 'Nothing changes until you save. Then a background job applies the change to everyone.',
  delete:
    'Nothing changes until you delete. Then a background job takes back what the mapping granted; grants from other sources stay.',
};

export function previewBody(preview: Preview, teams: PreviewTeams, mode: PreviewMode): SafeHtml {
  const roles = preview.roleChanges;
  const roleMore = roles.count - roles.sample.length;
  const considered = `${preview.considered} ${preview.considered === 1 ? 'person' : 'people'}`;
  return html`<section aria-labelledby="preview-title"><h2 id="preview-title">What it would do</h2>
<p class="notice" role="status"><strong>${previewHeadline(preview, teams, mode)}</strong> ${
    roles.count > 0 ? `Changes the role of ${members(roles.count)}.` : "Changes no one's role."
  }</p>
${sample(
  `Joining ${teams.to ?? ''}:`,
  preview.add.sample.map((s) => s.email),
  preview.add.count,
)}${sample(
  `Leaving ${teams.from ?? ''}:`,
  preview.remove.sample.map((s) => s.email),
  preview.remove.count,
)}${
  roles.count > 0
    ? html`<p>Role changes:</p><ul>${roles.sample.map((r) => html`<li>${r.email}: ${r.from} → ${r.to}</li>`)}${
        roleMore > 0 ? html`<li class="note">and ${roleMore} more</li>` : ''
      }</ul>`
    : ''
}
<p class="note">Counted over the ${considered} the group holds now or the mapping granted to; the lists show up to five each. ${afterwards[mode]}</p></section>`;
}
