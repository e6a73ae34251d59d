import type { Request, Response } from 'express';
import { html } from '../../http/index.ts';
import { orgIn, orgPath, showOrgPage } from '../kit.ts';

/** The API's answer to an invite, from the form or a CSV file. */
export interface InviteResult {
  readonly invitations: readonly { email: string; acceptUrl: string; row?: number | undefined }[];
  readonly errors: readonly { email: string; code: string; message: string; row?: number | undefined }[];
}

interface Line {
  readonly row: number | undefined;
  readonly email: string;
  readonly acceptUrl?: string;
  readonly problem?: string;
}

/**
 * What an invite did, one line per email (per row for a CSV file, in row
 * order). Rendered in answer to the post, never behind a redirect: Muster
 * keeps only a hash of each link, so this page is the one place it shows.
 */
export function showInviteResult(req: Request, res: Response, result: InviteResult, fromCsv: boolean): void {
  const lines: Line[] = [
    ...result.invitations.map((i) => ({ row: i.row, email: i.email, acceptUrl: i.acceptUrl })),
    ...result.errors.map((e) => ({ row: e.row, email: e.email, problem: `${e.message} (${e.code})` })),
  ];
  if (fromCsv) lines.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  const made = result.invitations.length;
  res.setHeader('Cache-Control', 'no-store');
  showOrgPage(req, res, {
    section: 'invitations',
    title: fromCsv ? 'Invitations from the CSV file' : 'Invitations sent',
    body: html`<p class="notice" role="status">${made === 1 ? '1 invitation' : `${made} invitations`} made${
      result.errors.length > 0 ? `, ${result.errors.length} not` : ''
    }; each invitee's mail is on its way.</p>
${made > 0 ? html`<p class="warn">The invitation links are shown on this page only. Copy any you will pass on another way before leaving it.</p>` : ''}
<div class="scroll"><table><thead><tr>${fromCsv ? html`<th scope="col">Row</th>` : ''}<th scope="col">Email</th><th scope="col">Result</th></tr></thead><tbody>${lines.map(
      (line) =>
        html`<tr>${fromCsv ? html`<td>${line.row ?? ''}</td>` : ''}<td>${line.email}</td><td>${
          line.acceptUrl
            ? html`Invited: <code class="accept-url">${line.acceptUrl}</code>`
            : html`<strong>Not invited</strong>: ${line.problem}`
        }</td></tr>`,
    )}</tbody></table></div>
<p><a href="${orgPath(orgIn(res), '/invitations')}">Back to invitations</a></p>`,
  });
}
