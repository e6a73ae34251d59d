import type { Request, Response } from 'express';
import type { SetupMetadataDraft } from '../../domain/setup-links/index.ts';
import { latestTestSignIns } from '../../domain/signin/index.ts';
import { connectionUrls } from '../../domain/sources/index.ts';
import { html, type SafeHtml } from '../http/index.ts';
import type { ConnectionBody } from './bodies.ts';
import { oidcGuide } from './guides-oidc.ts';
import { samlGuide } from './guides-saml.ts';
import { connectionOf, formToken, openedIn, type SetupKit, setupPath } from './kit.ts';
import { pastedValue, showPortalPage, when } from './layout.ts';
import { hasErrors } from './metadata.ts';
import type { Guide } from './providers.ts';
import { providerNames } from './providers.ts';
import { testSignInResults } from './test-sign-ins.ts';

/** What a refused form leaves on the page: the error, and what was typed. */
export interface SsoShown {
  readonly error?: string | undefined;
  readonly status?: number | undefined;
  readonly domains?: string | undefined;
  readonly issuer?: string | undefined;
  readonly clientId?: string | undefined;
}

function findingsOf(draft: SetupMetadataDraft, idp: string): SafeHtml {
  const errors = draft.findings.filter((f) => f.severity === 'error');
  const source = draft.url === null ? 'the document you gave' : html`<code>${draft.url}</code>`;
  return html`<h3 id="findings">What the check found</h3>
<p class="note">Checked ${when(draft.checkedAt)}: ${source}.</p>${
    errors.length > 0
      ? html`<p class="error" role="alert">${errors.length === 1 ? 'One problem stops' : `${errors.length} problems stop`} activation: fix ${errors.length === 1 ? 'it' : 'them'} in ${idp}, then check the metadata again.</p>`
      : html`<p class="notice" role="status">Nothing stops activation.</p>`
  }${
    draft.findings.length > 0
      ? html`<ul class="wrap">${draft.findings.map(
          (f) =>
            html`<li><strong>${f.severity === 'error' ? 'Error' : 'Warning'}:</strong> ${f.message}</li>`,
        )}</ul>`
      : ''
  }`;
}

function domainsField(value: string): SafeHtml {
  return html`<label for="domains">Email domains of the people who sign in</label>
<input id="domains" name="domains" required maxlength="2000" value="${value}" aria-describedby="domains-hint" autocomplete="off">
<p class="note" id="domains-hint">Separate them with commas, such as <code>example.com, example.org</code>. Each starts unverified: you verify it with a DNS record once the connection is active.</p>`;
}

function samlForms(
  kit: SetupKit,
  req: Request,
  res: Response,
  guide: Guide,
  idp: string,
  connection: ConnectionBody | undefined,
  shown: SsoShown,
): SafeHtml {
  const { link } = openedIn(res);
  const draft = link.metadata;
  const blocked = !draft || hasErrors(draft.findings);
  return html`<h2 id="metadata">${idp}'s metadata</h2>${guide.fromIdp ?? ''}
<form method="post" action="${setupPath(res, '/sso/metadata')}" enctype="multipart/form-data">${formToken(kit, req, res, 'metadata')}
<label for="metadata-url">Metadata URL</label><input id="metadata-url" name="url" type="url" maxlength="2000" autocomplete="off">
<label for="metadata-file">Or the metadata file</label><input id="metadata-file" name="file" type="file" accept=".xml,application/xml,text/xml,application/samlmetadata+xml">
<label for="metadata-xml">Or paste the metadata</label><textarea id="metadata-xml" name="xml" rows="5"></textarea>
<button type="submit">Check the metadata</button></form>
${draft ? findingsOf(draft, idp) : ''}
<h2 id="activate">${connection ? 'Apply new metadata' : 'Activate single sign-on'}</h2>
<form method="post" action="${setupPath(res, '/sso/activate')}">${formToken(kit, req, res, 'activate')}${
    connection ? '' : domainsField(shown.domains ?? '')
  }<p class="note" id="activate-hint">${
    !draft
      ? 'Check the metadata first.'
      : blocked
        ? 'Fix the errors the check found, then check the metadata again.'
        : connection
          ? 'The connection then trusts the metadata you checked last.'
          : 'This makes the connection from the metadata you checked last.'
  }</p>
<button type="submit" aria-describedby="activate-hint"${blocked ? html` disabled` : ''}>${
    connection ? 'Apply the checked metadata' : 'Activate single sign-on'
  }</button></form>`;
}

function oidcForm(
  kit: SetupKit,
  req: Request,
  res: Response,
  guide: Guide,
  idp: string,
  connection: ConnectionBody | undefined,
  shown: SsoShown,
): SafeHtml {
  const issuer = shown.issuer ?? connection?.oidc?.issuer ?? '';
  const clientId = shown.clientId ?? connection?.oidc?.clientId ?? '';
  return html`<h2 id="client">${idp}'s client</h2>${guide.fromIdp ?? ''}
<form method="post" action="${setupPath(res, '/sso/oidc')}">${formToken(kit, req, res, 'oidc')}
<label for="issuer">Issuer</label><input id="issuer" name="issuer" type="url" required maxlength="2000" value="${issuer}" autocomplete="off">
<label for="client-id">Client ID</label><input id="client-id" name="clientId" required maxlength="400" value="${clientId}" autocomplete="off">
<label for="client-secret">Client secret${connection ? ' (leave empty to keep the one Muster has)' : ''}</label><input id="client-secret" name="clientSecret" type="password" maxlength="2000" autocomplete="off"${connection ? '' : html` required`}>
${connection ? '' : domainsField(shown.domains ?? '')}
<button type="submit">${connection ? 'Save the client' : 'Activate single sign-on'}</button></form>`;
}

function domainsSection(kit: SetupKit, req: Request, res: Response, connection: ConnectionBody): SafeHtml {
  return html`<h2 id="domains-section">Email domains</h2>
<p>Publish each domain's TXT record in your DNS, then check it. Until a domain is verified, sign-ins can create new people but cannot reach people already in the organization.</p>
<div class="scroll"><table><thead><tr><th scope="col">Domain</th><th scope="col">Status</th><th scope="col">TXT record name</th><th scope="col">TXT record value</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>${connection.domains.map(
    (d) =>
      html`<tr><td>${d.domain}</td><td>${d.verified ? 'verified' : 'not verified'}</td><td><code>${d.verification.name}</code></td><td><code>${d.verification.value}</code></td><td>${
        d.verified
          ? ''
          : html`<form class="inline" method="post" action="${setupPath(res, '/sso/verify')}">${formToken(kit, req, res, 'verify')}<input type="hidden" name="domain" value="${d.domain}"><button type="submit" class="secondary" aria-label="Check DNS for ${d.domain}">Check DNS</button></form>`
      }</td></tr>`,
  )}</tbody></table></div>
<form method="post" action="${setupPath(res, '/sso/domains')}">${formToken(kit, req, res, 'domains')}
<label for="domains">Change the domains</label><input id="domains" name="domains" required maxlength="2000" value="${connection.domains.map((d) => d.domain).join(', ')}" aria-describedby="domains-change-hint" autocomplete="off">
<p class="note" id="domains-change-hint">Domains you keep stay verified; new ones start unverified.</p>
<button type="submit" class="secondary">Save the domains</button></form>`;
}

/**
 * The SSO step: the IdP's own steps and the values to paste (known before
 * the connection exists: its id is reserved), the metadata check and
 * activation (SAML) or the client form (OIDC), then the domains and the
 * test sign-in with what arrived.
 */
export async function showSso(kit: SetupKit, req: Request, res: Response, shown: SsoShown = {}) {
  const { link, org } = openedIn(res);
  const choice = link.choice;
  const connectionId = link.connectionId;
  if (!choice || !connectionId) return res.redirect(303, setupPath(res));
  const connection = await connectionOf(kit, res);
  const protocol = connection?.protocol ?? choice.protocol ?? 'saml';
  const idp = providerNames[choice.provider];
  const urls = connectionUrls(kit.publicUrl, connectionId);
  const loginUrl = `${kit.publicUrl}/sso/login?connection=${connectionId}`;
  const guide =
    protocol === 'saml'
      ? samlGuide(choice.provider, { ...urls, loginUrl })
      : oidcGuide(choice.provider, { redirectUri: urls.redirectUri, loginUrl });
  const tests = connection ? await latestTestSignIns(kit.db, org.id, connection.id, 5) : [];
  const status = connection
    ? html`<p class="notice wrap">Single sign-on is active${
        connection.saml ? html`, trusting <code>${connection.saml.entityId}</code>` : ''
      }${connection.oidc ? html`, with the issuer <code>${connection.oidc.issuer}</code>` : ''}.</p>`
    : html`<p>Single sign-on is not active yet.</p>`;
  showPortalPage(req, res, {
    step: 'sso',
    title: `Single sign-on with ${idp}`,
    error: shown.error,
    status: shown.status,
    body: html`${status}
<h2>In ${idp}</h2>${guide.steps}
<h2>Values to paste into ${idp}</h2>${guide.values.map(pastedValue)}
${
  protocol === 'saml'
    ? samlForms(kit, req, res, guide, idp, connection, shown)
    : oidcForm(kit, req, res, guide, idp, connection, shown)
}${
  connection
    ? html`${guide.after ? html`<h2>Then, in ${idp}</h2>${guide.after}` : ''}
${domainsSection(kit, req, res, connection)}
<h2 id="test">Test sign-in</h2>
<p>Sign in through ${idp} as a test user: you come back here and see what arrived. Nobody is signed in to ${org.name}'s application and no account is made.</p>
<p><a class="button" href="${setupPath(res, '/test-sign-in')}">Test sign-in</a></p>
${testSignInResults(tests)}`
    : ''
}`,
  });
}
