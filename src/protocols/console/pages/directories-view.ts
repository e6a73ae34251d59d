import type { Request, Response } from 'express';
import { html, type SafeHtml } from '../../http/index.ts';
import { type ConsoleKit, formToken, orgIn, orgPath } from '../kit.ts';
import { timeText } from './connections-format.ts';
import { idpProviders } from './connections-view.ts';

/** A directory as the admin API answers it. */
export interface DirectoryBody {
  readonly id: string;
  readonly name: string;
  readonly provider: string;
  readonly userDeletion: string;
  readonly scimBaseUrl: string;
  readonly userCount: number;
  readonly groupCount: number;
  readonly lastRequestAt: string | null;
  readonly createdAt: string;
}

export interface DirectoryToken {
  readonly id: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** A token in the one answer that carries it. */
export interface ShownToken {
  readonly token: string;
  readonly scimBaseUrl: string;
}

export const directoryPath = (res: Response, id: string, rest = '') =>
  orgPath(orgIn(res), `/directories/${encodeURIComponent(id)}${rest}`);

export function directoriesTable(res: Response, list: readonly DirectoryBody[]): SafeHtml {
  return html`<div class="scroll"><table><thead><tr><th scope="col">Name</th><th scope="col">Provider</th><th scope="col">SCIM base URL</th><th scope="col">Users</th><th scope="col">Groups</th><th scope="col">Last request</th></tr></thead><tbody>${
    list.length === 0 ? html`<tr><td colspan="6" class="note">No SCIM directories yet.</td></tr>` : ''
  }${list.map(
    (d) =>
      html`<tr><td><a href="${directoryPath(res, d.id)}">${d.name}</a></td><td>${d.provider}</td><td><code>${d.scimBaseUrl}</code></td><td>${d.userCount}</td><td>${d.groupCount}</td><td>${timeText(d.lastRequestAt, { none: 'none yet' })}</td></tr>`,
  )}</tbody></table></div>`;
}

export function newDirectoryForm(
  kit: ConsoleKit,
  req: Request,
  res: Response,
  values: { name: string; provider: string },
): SafeHtml {
  return html`<form method="post" action="${orgPath(orgIn(res), '/directories')}">${formToken(kit, req, res, 'directory-create')}<fieldset><legend>New directory</legend>
<label for="directory-name">Name</label><input id="directory-name" name="name" required maxlength="200" value="${values.name}">
<label for="directory-provider">Provider (the IdP that pushes into it)</label><select id="directory-provider" name="provider">${idpProviders.map(
    (p) => html`<option value="${p}"${p === values.provider ? html` selected` : ''}>${p}</option>`,
  )}</select>
<button type="submit">Create directory</button></fieldset></form>`;
}

/** A token in the one answer that carries it, with where the IdP sends it. */
export function tokenShownOnce(shown: ShownToken): SafeHtml {
  return html`<h2>The token for the IdP</h2>
<p class="warn" role="status">Copy the token now: it will not be shown again. Muster keeps only its hash.</p>
<div class="secret"><dl class="pairs"><dt>SCIM base URL</dt><dd>${shown.scimBaseUrl}</dd><dt>Bearer token</dt><dd>${shown.token}</dd></dl></div>
<p class="note">In the IdP's provisioning settings, the base URL is the Tenant URL or SCIM connector base URL, and the token is the Secret Token or API token.</p>`;
}

export function directoryDetails(d: DirectoryBody): SafeHtml {
  return html`<dl class="pairs"><dt>Provider</dt><dd>${d.provider}</dd><dt>SCIM base URL</dt><dd><code>${d.scimBaseUrl}</code></dd>
<dt>Users</dt><dd>${d.userCount}</dd><dt>Groups</dt><dd>${d.groupCount}</dd>
<dt>Last request</dt><dd>${timeText(d.lastRequestAt, { none: 'none yet' })}</dd>
<dt>A user deleted in the IdP is</dt><dd>${d.userDeletion === 'delete' ? 'deleted' : 'suspended'}</dd>
<dt>Created</dt><dd>${timeText(d.createdAt)}</dd></dl>`;
}

export function tokensSection(
  kit: ConsoleKit,
  req: Request,
  res: Response,
  d: DirectoryBody,
  tokens: readonly DirectoryToken[],
): SafeHtml {
  const live = tokens.filter((t) => !t.revokedAt);
  return html`<h2>Tokens</h2><div class="scroll"><table><thead><tr><th scope="col">Token</th><th scope="col">Id</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>${tokens.map(
    (t) =>
      html`<tr><td><code>${t.prefix}…</code></td><td><code>${t.id}</code></td><td>${timeText(t.createdAt)}</td><td>${timeText(t.lastUsedAt)}</td><td>${
        t.revokedAt ? html`revoked ${timeText(t.revokedAt)}` : 'live'
      }</td><td>${
        t.revokedAt
          ? ''
          : html`<form class="inline" method="post" action="${directoryPath(res, d.id, `/tokens/${encodeURIComponent(t.id)}/revoke`)}">${formToken(kit, req, res, 'directory-token-revoke')}<button type="submit" class="danger" aria-label="Revoke token ${t.prefix}">Revoke</button></form>`
      }</td></tr>`,
  )}</tbody></table></div>
<form method="post" action="${directoryPath(res, d.id, '/tokens')}">${formToken(kit, req, res, 'directory-token-rotate')}<fieldset><legend>Rotate</legend>
<p class="note">A new token is shown once; the current one keeps working until you revoke it, so the IdP can move over first. At most two tokens are live at once${
    live.length >= 2 ? ': revoke one before making another' : ''
  }.</p>
<button type="submit">Rotate: make a new token</button></fieldset></form>`;
}
