import type { Request, Response, Router } from 'express';
import { html, type SafeHtml } from '../../http/index.ts';
import {
  type ConsoleKit,
  callApi,
  checkForm,
  consoleForm,
  formToken,
  formValue,
  formValues,
  orgIn,
  orgPath,
  redirectWithNotice,
  shownError,
  showOrgPage,
} from '../kit.ts';

interface SetupLink {
  readonly id: string;
  readonly features: string[];
  readonly status: 'active' | 'expired' | 'revoked';
  readonly expiresAt: string;
  readonly connectionId: string | null;
  readonly directoryId: string | null;
  readonly provider: string | null;
  readonly protocol: string | null;
  readonly createdAt: string;
}

interface Shown {
  readonly error?: string;
  readonly status?: number;
  readonly values?: { features: string[]; hours: string };
  /** A link just made: its URL, shown this once. */
  readonly created?: { url: string; expiresAt: string };
}

const featureNames: Readonly<Record<string, string>> = { sso: 'Single sign-on', scim: 'SCIM provisioning' };
const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function chosen(link: SetupLink): string {
  if (!link.provider) return 'not chosen yet';
  return link.protocol ? `${link.provider} (${link.protocol === 'saml' ? 'SAML' : 'OIDC'})` : link.provider;
}

function createdNotice(created: { url: string; expiresAt: string }): SafeHtml {
  return html`<section aria-labelledby="link-made"><h2 id="link-made">Setup link made</h2>
<p class="notice" role="status">Send this link to the IT admin who sets up your identity provider. It is shown this once and works until ${when(created.expiresAt)}; anyone who has it can make these changes.</p>
<p class="secret">${created.url}</p></section>`;
}

/**
 * Setup links: the org's links with their status, a new link (its URL
 * shown once, on the page that made it, never in a redirect), and
 * revocation of an active one.
 */
export function setupLinkPages(router: Router, kit: ConsoleKit): void {
  const show = async (req: Request, res: Response, shown: Shown = {}) => {
    const org = orgIn(res);
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const links = await callApi<{ data: SetupLink[]; nextCursor: string | null }>(
      kit,
      res,
      'get',
      '/orgs/{org}/setup-links',
      { query: { limit: '50', ...(cursor ? { cursor } : {}) } },
    );
    const values = shown.values ?? { features: ['sso', 'scim'], hours: '72' };
    showOrgPage(req, res, {
      section: 'setup-links',
      title: 'Setup links',
      error: shown.error,
      status: shown.status,
      body: html`${shown.created ? createdNotice(shown.created) : ''}
<p>A setup link lets your customer's IT admin connect their identity provider to this organization, step by step, without a Muster account: single sign-on, SCIM provisioning, or both.</p>
<div class="scroll"><table><thead><tr><th scope="col">Made</th><th scope="col">For</th><th scope="col">Status</th><th scope="col">Works until</th><th scope="col">Identity provider</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>${
        links.data.length === 0 ? html`<tr><td colspan="6" class="note">No setup links yet.</td></tr>` : ''
      }${links.data.map(
        (link) =>
          html`<tr><td>${when(link.createdAt)}</td><td>${link.features.map((f) => featureNames[f] ?? f).join(', ')}</td><td>${link.status}</td><td>${when(link.expiresAt)}</td><td>${chosen(link)}</td>
<td>${
            link.status === 'active'
              ? html`<form class="inline" method="post" action="${orgPath(org, `/setup-links/${link.id}/revoke`)}">${formToken(kit, req, res, 'setup-link-revoke')}<button type="submit" class="danger" aria-label="Revoke the setup link made ${when(link.createdAt)}">Revoke</button></form>`
              : ''
          }</td></tr>`,
      )}</tbody></table></div>
${links.nextCursor ? html`<p><a href="${orgPath(org, `/setup-links?cursor=${encodeURIComponent(links.nextCursor)}`)}">Next page</a></p>` : ''}
<form method="post" action="${orgPath(org, '/setup-links')}">${formToken(kit, req, res, 'setup-link-create')}<fieldset><legend>New setup link</legend>
<fieldset><legend>What the IT admin sets up</legend>${['sso', 'scim'].map(
        (f) =>
          html`<label class="check" for="feature-${f}"><input type="checkbox" id="feature-${f}" name="features" value="${f}"${
            values.features.includes(f) ? html` checked` : ''
          }> ${featureNames[f] ?? f}</label>`,
      )}</fieldset>
<label for="link-hours">Works for (hours, 1 to 720)</label><input id="link-hours" name="expiresInHours" type="number" min="1" max="720" required value="${values.hours}">
<button type="submit">Create setup link</button></fieldset></form>`,
    });
  };

  router.get('/setup-links', (req, res) => show(req, res));

  router.post('/setup-links', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'setup-link-create');
    const values = { features: formValues(req, 'features'), hours: formValue(req, 'expiresInHours', 10) };
    const hours = Number(values.hours);
    try {
      const created = await callApi<SetupLink & { url: string }>(
        kit,
        res,
        'post',
        '/orgs/{org}/setup-links',
        {
          body: { features: values.features, ...(values.hours === '' ? {} : { expiresInHours: hours }) },
        },
      );
      await show(req, res, { created: { url: created.url, expiresAt: created.expiresAt } });
    } catch (error) {
      await show(req, res, { ...shownError(error, res), values });
    }
  });

  router.post('/setup-links/:link/revoke', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'setup-link-revoke');
    try {
      await callApi(kit, res, 'delete', '/orgs/{org}/setup-links/{link}', {
        params: { link: String(req.params.link) },
      });
      redirectWithNotice(
        res,
        orgPath(orgIn(res), '/setup-links'),
        'The setup link was revoked: it no longer opens.',
      );
    } catch (error) {
      await show(req, res, shownError(error, res));
    }
  });
}
