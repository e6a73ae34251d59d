import type { Request, RequestHandler, Response, Router } from 'express';
import { openSetupLink, saveSetupMetadata } from '../../domain/setup-links/index.ts';
import { connectionUrls, type DirectoryProvider } from '../../domain/sources/index.ts';
import { MusterError } from '../../errors.ts';
import { cookiesOf, html, renderPage } from '../http/index.ts';
import type { SignInFlows } from '../sso/index.ts';
import { startTestSignIn } from '../sso/index.ts';
import type { ConnectionBody, DomainBody } from './bodies.ts';
import {
  callApi,
  checkForm,
  connectionOf,
  domainsOf,
  formValue,
  linkContext,
  openedIn,
  redirectWithNotice,
  type SetupKit,
  setOpened,
  setupForm,
  setupPath,
  shownError,
} from './kit.ts';
import {
  checkMetadata,
  hasErrors,
  type MetadataExpectation,
  type MetadataSource,
  metadataSourceOf,
  metadataUpload,
} from './metadata.ts';
import { sourceName } from './providers.ts';
import { type SsoShown, showSso } from './sso-page.ts';

/** The SSO step of a link without SSO, or before the IdP was chosen, is not there. */
function ssoLink(res: Response) {
  const { link } = openedIn(res);
  if (!link.features.includes('sso') || !link.connectionId)
    throw new MusterError('not_found', 'This setup link is not for single sign-on');
  return { link, connectionId: link.connectionId };
}

/** What the metadata is checked against: Muster's side of the connection, and the IdP it trusts now. */
function expectation(
  kit: SetupKit,
  connectionId: string,
  provider: DirectoryProvider,
  connection: ConnectionBody | undefined,
): MetadataExpectation {
  return {
    spEntityId: connectionUrls(kit.publicUrl, connectionId).spEntityId,
    idpEntityId: connection?.saml?.entityId,
    nameIdFormat: connection?.saml?.nameIdFormat ?? undefined,
    provider,
  };
}

const samlOf = (source: MetadataSource) =>
  source.url === null ? { metadataXml: source.xml } : { metadataUrl: source.url };

/** The SSO step's routes: the page, the metadata check, activation, the OIDC client, domains, the test sign-in. */
export function ssoPages(router: Router, kit: SetupKit, open: RequestHandler, flows: SignInFlows): void {
  const show = (req: Request, res: Response, shown?: SsoShown) => showSso(kit, req, res, shown);

  router.get('/setup/:token/sso', open, (req, res) => {
    ssoLink(res);
    return show(req, res);
  });

  /** Checks the metadata the IT admin gave and keeps it, with the findings, on the link. */
  router.post('/setup/:token/sso/metadata', metadataUpload, setupForm, open, async (req, res) => {
    const { link, connectionId } = ssoLink(res);
    checkForm(kit, req, res, 'metadata');
    if (link.choice?.protocol !== 'saml') return show(req, res);
    const source = metadataSourceOf(req);
    if ('refused' in source) return show(req, res, { error: source.refused, status: 400 });
    const connection = await connectionOf(kit, res);
    const findings = await checkMetadata(
      source,
      expectation(kit, connectionId, link.choice.provider, connection),
      kit.api.sso,
    );
    await saveSetupMetadata(kit.db, linkContext(res), link, { ...source, findings });
    res.redirect(303, `${setupPath(res, '/sso')}#findings`);
  });

  /**
   * Makes the connection (with the id the link reserved) from the metadata
   * checked last, or gives the connection that metadata. The metadata is
   * checked again first: errors refuse it.
   */
  router.post('/setup/:token/sso/activate', setupForm, open, async (req, res) => {
    const { link, connectionId } = ssoLink(res);
    checkForm(kit, req, res, 'activate');
    const domains = formValue(req, 'domains');
    const draft = link.metadata;
    const choice = link.choice;
    if (choice?.protocol !== 'saml') return show(req, res);
    if (!draft) return show(req, res, { error: 'Check the metadata first.', status: 400, domains });
    const source: MetadataSource =
      draft.url === null ? { xml: draft.xml ?? '', url: null } : { xml: null, url: draft.url };
    const connection = await connectionOf(kit, res);
    const findings = await checkMetadata(
      source,
      expectation(kit, connectionId, choice.provider, connection),
      kit.api.sso,
    );
    setOpened(res, {
      ...openedIn(res),
      link: await saveSetupMetadata(kit.db, linkContext(res), link, { ...source, findings }),
    });
    if (hasErrors(findings))
      return show(req, res, {
        error:
          'The metadata has errors that stop activation: fix them in your identity provider, then check it again.',
        status: 422,
        domains,
      });
    try {
      if (connection)
        await callApi(kit, res, 'patch', '/orgs/{org}/connections/{connection}', {
          params: { connection: connectionId },
          body: { saml: samlOf(source) },
        });
      else
        await callApi<ConnectionBody>(kit, res, 'post', '/orgs/{org}/connections', {
          params: { reservedId: connectionId },
          body: {
            protocol: 'saml',
            provider: choice.provider,
            name: sourceName(choice.provider, 'saml'),
            domains: domainsOf(domains),
            saml: samlOf(source),
          },
        });
    } catch (error) {
      return show(req, res, { ...shownError(error), domains });
    }
    redirectWithNotice(
      res,
      `${setupPath(res, '/sso')}#test`,
      connection
        ? 'The connection now trusts the metadata you checked.'
        : 'Single sign-on is active. Try it with Test sign-in.',
    );
  });

  /** Makes the OIDC connection with the client's issuer, id and secret, or changes them. */
  router.post('/setup/:token/sso/oidc', setupForm, open, async (req, res) => {
    const { link, connectionId } = ssoLink(res);
    checkForm(kit, req, res, 'oidc');
    const choice = link.choice;
    if (choice?.protocol !== 'oidc') return show(req, res);
    const typed = {
      issuer: formValue(req, 'issuer'),
      clientId: formValue(req, 'clientId', 400),
      domains: formValue(req, 'domains'),
    };
    const secret = formValue(req, 'clientSecret');
    const connection = await connectionOf(kit, res);
    try {
      if (connection)
        await callApi(kit, res, 'patch', '/orgs/{org}/connections/{connection}', {
          params: { connection: connectionId },
          body: {
            oidc: {
              issuer: typed.issuer,
              clientId: typed.clientId,
              ...(secret ? { clientSecret: secret } : {}),
            },
          },
        });
      else
        await callApi(kit, res, 'post', '/orgs/{org}/connections', {
          params: { reservedId: connectionId },
          body: {
            protocol: 'oidc',
            provider: choice.provider,
            name: sourceName(choice.provider, 'oidc'),
            domains: domainsOf(typed.domains),
            oidc: {
              issuer: typed.issuer,
              clientId: typed.clientId,
              ...(secret ? { clientSecret: secret } : {}),
            },
          },
        });
    } catch (error) {
      return show(req, res, { ...shownError(error), ...typed });
    }
    redirectWithNotice(
      res,
      `${setupPath(res, '/sso')}#test`,
      connection ? 'The client was saved.' : 'Single sign-on is active. Try it with Test sign-in.',
    );
  });

  router.post('/setup/:token/sso/domains', setupForm, open, async (req, res) => {
    const { connectionId } = ssoLink(res);
    checkForm(kit, req, res, 'domains');
    try {
      await callApi(kit, res, 'patch', '/orgs/{org}/connections/{connection}', {
        params: { connection: connectionId },
        body: { domains: domainsOf(formValue(req, 'domains')) },
      });
    } catch (error) {
      return show(req, res, shownError(error));
    }
    redirectWithNotice(res, `${setupPath(res, '/sso')}#domains-section`, 'The domains were saved.');
  });

  router.post('/setup/:token/sso/verify', setupForm, open, async (req, res) => {
    const { connectionId } = ssoLink(res);
    checkForm(kit, req, res, 'verify');
    const domain = formValue(req, 'domain', 300);
    try {
      const verified = await callApi<DomainBody>(
        kit,
        res,
        'post',
        '/orgs/{org}/connections/{connection}/domains/{domain}/verify',
        { params: { connection: connectionId, domain } },
      );
      redirectWithNotice(res, `${setupPath(res, '/sso')}#domains-section`, `${verified.domain} is verified.`);
    } catch (error) {
      return show(req, res, shownError(error));
    }
  });

  /**
   * A link, not a form: the browser is redirected to the IdP, which a
   * form's post could not be (CSP form-action 'self' holds redirects too).
   */
  router.get('/setup/:token/test-sign-in', open, async (req, res) => {
    const { link, connectionId } = ssoLink(res);
    if (!(await connectionOf(kit, res)))
      return show(req, res, { error: 'Activate single sign-on first, then test it.', status: 409 });
    try {
      // The sign-in in flight keeps its return path in the database: a path naming the link, never its token.
      rememberReturn(res, kit, openedIn(res).token);
      await startTestSignIn(flows, res, connectionId, `${returnPath}/${link.id}`);
    } catch (error) {
      // An IdP that cannot be reached is the IT admin's to know of, in the IdP's words.
      if (error instanceof MusterError && error.code === 'bad_gateway')
        return show(req, res, { error: `${error.message}`, status: 502 });
      return show(req, res, shownError(error));
    }
  });
}

/** Where a test sign-in comes back to: the link's id in the path, its token in a short cookie for that path only. */
const returnPath = '/setup/return';
const returnCookie = 'muster_setup_return';

function rememberReturn(res: Response, kit: SetupKit, token: string): void {
  res.cookie(returnCookie, token, {
    httpOnly: true,
    // Lax: the browser comes back from the IdP by a top-level navigation, which carries it.
    sameSite: 'lax',
    secure: new URL(kit.publicUrl).protocol === 'https:',
    path: returnPath,
    maxAge: 15 * 60_000,
  });
}

/**
 * The end of a test sign-in: the token the browser kept for this link
 * leads back to the portal's SSO step, which shows the result. A browser
 * without it (another one, or the cookie gone) is asked to open its link
 * again; the result waits there.
 */
export function testSignInReturn(router: Router, kit: SetupKit): void {
  router.get(`${returnPath}/:link`, async (req, res) => {
    const token = cookiesOf(req).get(returnCookie);
    const opened = token ? await openSetupLink(kit.db, token) : undefined;
    res.clearCookie(returnCookie, { path: returnPath });
    if (token && opened && opened.link.id === String(req.params.link) && opened.link.status === 'active')
      return res.redirect(303, `/setup/${token}/sso#test`);
    renderPage(res, {
      title: 'Test sign-in finished',
      body: html`<p>The test sign-in is over. Open your setup link again to see what arrived from your identity provider.</p>`,
    });
  });
}
