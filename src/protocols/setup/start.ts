import type { Request, RequestHandler, Response, Router } from 'express';
import { chooseSetupIdp } from '../../domain/setup-links/index.ts';
import type { DirectoryProvider } from '../../domain/sources/index.ts';
import { html } from '../http/index.ts';
import {
  checkForm,
  connectionOf,
  formToken,
  formValue,
  linkContext,
  openedIn,
  type SetupKit,
  setOpened,
  setupForm,
  setupPath,
  shownError,
} from './kit.ts';
import { showPortalPage, when } from './layout.ts';
import { portalProviders, providerNames } from './providers.ts';

const providerLabels: Readonly<Record<DirectoryProvider, string>> = {
  ...providerNames,
  generic: 'Another identity provider (SAML 2.0, OpenID Connect, SCIM 2.0)',
};

/**
 * The portal's first page: whose setup this is, what the link is for, and
 * the first step, the IdP (and for SSO the protocol), which the link
 * remembers. Once something was made with a choice, the choice stays.
 */
export function startPages(router: Router, kit: SetupKit, open: RequestHandler): void {
  const show = async (req: Request, res: Response, shown: { error?: string; status?: number } = {}) => {
    const { link, org } = openedIn(res);
    const sso = link.features.includes('sso');
    const scim = link.features.includes('scim');
    const connection = sso ? await connectionOf(kit, res) : undefined;
    const locked = connection !== undefined || link.directoryId !== null;
    const choice = link.choice;
    const purposes = [
      ...(sso
        ? ['single sign-on, so that people sign in with their work account (SAML 2.0 or OpenID Connect)']
        : []),
      ...(scim
        ? ['provisioning (SCIM 2.0), so that your identity provider keeps the users and groups up to date']
        : []),
    ];
    const next = sso ? '/sso' : '/scim';
    const form = html`<form method="post" action="${setupPath(res, '/idp')}">${formToken(kit, req, res, 'idp')}
<label for="provider">Your identity provider</label>
<select id="provider" name="provider">${portalProviders.map(
      (p) =>
        html`<option value="${p}"${choice?.provider === p ? html` selected` : ''}>${providerLabels[p]}</option>`,
    )}</select>${
      sso
        ? html`<label for="protocol">Sign-in protocol</label>
<select id="protocol" name="protocol" aria-describedby="protocol-hint"><option value="saml"${choice?.protocol !== 'oidc' ? html` selected` : ''}>SAML 2.0</option><option value="oidc"${choice?.protocol === 'oidc' ? html` selected` : ''}>OpenID Connect</option></select>
<p class="note" id="protocol-hint">Every identity provider listed offers both. Choose SAML 2.0 unless you prefer OpenID Connect.</p>`
        : ''
    }
<button type="submit">Continue</button></form>`;
    const fixed = choice
      ? html`<p>You chose <strong>${providerNames[choice.provider]}</strong>${
          choice.protocol
            ? html` with <strong>${choice.protocol === 'saml' ? 'SAML 2.0' : 'OpenID Connect'}</strong>`
            : ''
        }. What was set up with it stays as it is: to start over, ask ${org.name}'s administrator for a new link.</p>
<p><a class="button" href="${setupPath(res, next)}">Continue</a></p>`
      : '';
    showPortalPage(req, res, {
      step: 'start',
      title: `Connect your identity provider to ${org.name}`,
      error: shown.error,
      status: shown.status,
      body: html`<p>${org.name} asked you to set up ${purposes.length === 2 ? html`${purposes[0]}, and ${purposes[1]}` : purposes[0]}. You need no account: this link lets you do it.</p>
<p class="warn">Anyone with this link can make these changes until ${when(link.expiresAt)}. Do not forward it.</p>
<h2>Where things stand</h2>
<ul>${sso ? html`<li>Single sign-on: ${connection ? 'active' : 'not set up yet'}</li>` : ''}${
        scim ? html`<li>SCIM provisioning: ${link.directoryId ? 'made' : 'not set up yet'}</li>` : ''
      }</ul>
<h2>Step 1: your identity provider</h2>
${locked && choice ? fixed : form}`,
    });
  };

  router.get('/setup/:token', open, (req, res) => show(req, res));

  router.post('/setup/:token/idp', setupForm, open, async (req, res) => {
    checkForm(kit, req, res, 'idp');
    const { link } = openedIn(res);
    const provider = formValue(req, 'provider', 20) as DirectoryProvider;
    const protocol = formValue(req, 'protocol', 10);
    if (!portalProviders.includes(provider))
      return show(req, res, { error: 'Choose your identity provider from the list.', status: 400 });
    if (link.features.includes('sso') && protocol !== 'saml' && protocol !== 'oidc')
      return show(req, res, { error: 'Choose SAML 2.0 or OpenID Connect.', status: 400 });
    const connection = link.features.includes('sso') ? await connectionOf(kit, res) : undefined;
    if (connection || link.directoryId)
      return show(req, res, {
        error: 'The identity provider cannot change once something was set up with it.',
        status: 409,
      });
    try {
      const changed = await chooseSetupIdp(kit.db, linkContext(res), link, {
        provider,
        protocol: protocol === 'saml' || protocol === 'oidc' ? protocol : null,
      });
      setOpened(res, { ...openedIn(res), link: changed });
    } catch (error) {
      return show(req, res, shownError(error));
    }
    res.redirect(303, setupPath(res, link.features.includes('sso') ? '/sso' : '/scim'));
  });
}
