import type { Request, Response, Router } from 'express';
import { html } from '../../http/index.ts';
import {
  type ConsoleKit,
  callApi,
  checkForm,
  consoleForm,
  formToken,
  formValue,
  orgIn,
  orgPath,
  redirectWithNotice,
  shownError,
  showOrgPage,
} from '../kit.ts';
import {
  type ChangeValues,
  changeForms,
  createBodyOf,
  deleteConfirmation,
  emptyConnection,
  metadataForm,
  type NewConnectionValues,
  newConnectionForms,
  readNewConnection,
  samlSource,
} from './connections-form.ts';
import { nextPageLink } from './connections-format.ts';
import {
  type ConnectionBody,
  certificatesSection,
  connectionName,
  connectionsTable,
  domainsSection,
  forTheIdp,
  healthSection,
  theIdp,
} from './connections-view.ts';

interface Refusal {
  readonly error?: string;
  readonly status?: number;
}

/**
 * SSO connections: the list with each one's health, a page per connection
 * with what the IdP's admin needs, its forms (new metadata or client,
 * options, deletion with a confirmation step), and the new-connection forms.
 */
export function connectionPages(router: Router, kit: ConsoleKit): void {
  const connectionPath = (res: Response, id: string, rest = '') =>
    orgPath(orgIn(res), `/connections/${encodeURIComponent(id)}${rest}`);

  const readConnection = (res: Response, id: string) =>
    callApi<ConnectionBody>(kit, res, 'get', '/orgs/{org}/connections/{connection}', {
      params: { connection: id },
    });

  router.get('/connections', async (req, res) => {
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const page = await callApi<{ data: ConnectionBody[]; nextCursor: string | null }>(
      kit,
      res,
      'get',
      '/orgs/{org}/connections',
      { query: { limit: '50', ...(cursor ? { cursor } : {}) } },
    );
    const org = orgIn(res);
    showOrgPage(req, res, {
      section: 'connections',
      title: 'SSO connections',
      body: html`<p><a class="button" href="${orgPath(org, '/connections/new')}">New connection</a></p>
${connectionsTable(page.data, (c) => connectionPath(res, c.id))}
${nextPageLink(orgPath(org, '/connections'), {}, page.nextCursor, 'Next page')}`,
    });
  });

  const showNew = (req: Request, res: Response, values: NewConnectionValues, refusal: Refusal = {}) =>
    showOrgPage(req, res, {
      section: 'connections',
      title: 'New SSO connection',
      error: refusal.error,
      status: refusal.status,
      body: html`<p class="note">Connect the organization's identity provider over SAML 2.0 or OpenID Connect. Muster's values for the IdP (entity id, ACS URL or redirect URI) are on the connection's page once it exists.</p>
${newConnectionForms(kit, req, res, values)}
<p><a href="${orgPath(orgIn(res), '/connections')}">Back to the connections</a></p>`,
    });

  router.get('/connections/new', (req, res) => showNew(req, res, emptyConnection));

  router.post('/connections', metadataForm, async (req, res) => {
    checkForm(kit, req, res, 'connection-create');
    const values = readNewConnection(req);
    try {
      const created = await callApi<ConnectionBody>(kit, res, 'post', '/orgs/{org}/connections', {
        body: createBodyOf(values, formValue(req, 'clientSecret')),
      });
      redirectWithNotice(
        res,
        connectionPath(res, created.id),
        `Connection ${connectionName(created)} created. Give the IdP's admin the values below.`,
      );
    } catch (error) {
      showNew(req, res, values, shownError(error, res));
    }
  });

  const showConnection = async (
    req: Request,
    res: Response,
    id: string,
    values: ChangeValues = {},
    refusal: Refusal = {},
  ) => {
    const c = await readConnection(res, id);
    showOrgPage(req, res, {
      section: 'connections',
      title: connectionName(c),
      error: refusal.error,
      status: refusal.status,
      body: html`${forTheIdp(c)}${healthSection(c)}${certificatesSection(c)}${theIdp(c)}${domainsSection(c, (domain) => html`<form class="inline" method="post" action="${connectionPath(res, c.id)}/domains/${encodeURIComponent(domain)}/verify">${formToken(kit, req, res, 'connection-domain-verify')}<button type="submit" class="secondary" aria-label="Check DNS for ${domain}">Check DNS</button></form>`)}
<h2>Change</h2>${changeForms(kit, req, res, c, values)}
<p><a href="${orgPath(orgIn(res), '/connections')}">Back to the connections</a></p>`,
    });
  };

  router.get('/connections/:connection', (req, res) =>
    showConnection(req, res, String(req.params.connection)),
  );

  /** A change through PATCH, then back to the page, or the page again with the refusal and the input. */
  const change = async (
    req: Request,
    res: Response,
    body: Record<string, unknown>,
    values: ChangeValues,
    notice: string,
  ) => {
    const id = String(req.params.connection);
    try {
      const changed = await callApi<ConnectionBody>(
        kit,
        res,
        'patch',
        '/orgs/{org}/connections/{connection}',
        {
          params: { connection: id },
          body,
        },
      );
      redirectWithNotice(res, connectionPath(res, changed.id), notice);
    } catch (error) {
      await showConnection(req, res, id, values, shownError(error, res));
    }
  };

  router.post('/connections/:connection/metadata', metadataForm, async (req, res) => {
    checkForm(kit, req, res, 'connection-metadata');
    const values = {
      metadataXml: formValue(req, 'metadataXml', 1024 * 1024),
      metadataUrl: formValue(req, 'metadataUrl'),
    };
    await change(
      req,
      res,
      { saml: samlSource(values.metadataXml, values.metadataUrl) },
      values,
      'Metadata updated.',
    );
  });

  router.post('/connections/:connection/client', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'connection-client');
    const values = { issuer: formValue(req, 'issuer'), clientId: formValue(req, 'clientId', 400) };
    const secret = formValue(req, 'clientSecret');
    await change(
      req,
      res,
      { oidc: { ...values, ...(secret ? { clientSecret: secret } : {}) } },
      values,
      'Client saved.',
    );
  });

  router.post('/connections/:connection/options', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'connection-options');
    const c = await readConnection(res, String(req.params.connection));
    // An unticked box sends nothing: absent is off.
    const body = {
      jit: formValue(req, 'jit') === 'yes',
      ...(c.saml ? { allowIdpInitiated: formValue(req, 'allowIdpInitiated') === 'yes' } : {}),
    };
    await change(req, res, body, {}, 'Options saved.');
  });

  router.post('/connections/:connection/domains/:domain/verify', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'connection-domain-verify');
    const id = String(req.params.connection);
    const domain = String(req.params.domain);
    try {
      await callApi(kit, res, 'post', '/orgs/{org}/connections/{connection}/domains/{domain}/verify', {
        params: { connection: id, domain },
      });
      redirectWithNotice(res, connectionPath(res, id), `${domain} is verified.`);
    } catch (error) {
      await showConnection(req, res, id, {}, shownError(error, res));
    }
  });

  router.get('/connections/:connection/delete', async (req, res) => {
    const c = await readConnection(res, String(req.params.connection));
    const name = connectionName(c);
    showOrgPage(req, res, {
      section: 'connections',
      title: `Delete ${name}?`,
      body: deleteConfirmation(kit, req, res, c, name),
    });
  });

  router.post('/connections/:connection/delete', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'connection-delete');
    const c = await readConnection(res, String(req.params.connection));
    if (formValue(req, 'confirm') !== 'yes') {
      res.setHeader('Cache-Control', 'no-store');
      return res.redirect(303, connectionPath(res, c.id, '/delete'));
    }
    await callApi(kit, res, 'delete', '/orgs/{org}/connections/{connection}', {
      params: { connection: c.id },
    });
    redirectWithNotice(res, orgPath(orgIn(res), '/connections'), `Connection ${connectionName(c)} deleted.`);
  });
}
