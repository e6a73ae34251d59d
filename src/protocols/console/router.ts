import { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import helmet from 'helmet';
import type { SigningKeys } from '../../domain/sessions/index.ts';
import { MusterError } from '../../errors.ts';
import { constantTimeEqual, derivedKey } from '../../infra/crypto/index.ts';
import type { Db } from '../../storage/index.ts';
import type { AdminApiDeps } from '../admin-api/index.ts';
import {
  checkCsrf,
  csrfField,
  html,
  renderPage,
  requestIdOf,
  sentFrom,
  stateOf,
  toMusterError,
} from '../http/index.ts';
import { sessionAuthentication } from '../sso/index.ts';
import {
  type ConsoleKit,
  callApi,
  consoleForm,
  formValue,
  orgIn,
  orgPath,
  redirectWithNotice,
  setOrg,
  setViewer,
  shownError,
  takeNotice,
  viewerIn,
} from './kit.ts';
import { consolePage, type OrgSummary } from './layout.ts';
import { consolePages } from './pages/index.ts';
import { OperatorSessions, viewerOf } from './viewer.ts';

/** The console's own paths: its method check, its 404 and its error page answer for these alone. */
const inConsole = (path: string) => path === '/console' || path.startsWith('/console/');

/** What went wrong, as a page of the console (never JSON, never a stack), with the reference to quote. */
const consoleErrorPage: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent || !inConsole(req.path)) return next(error);
  const problem = toMusterError(error);
  if (problem.status >= 500) stateOf(res).log.error('request failed', { error: problem.cause ?? problem });
  if (problem.retryAfterSeconds !== undefined) res.set('Retry-After', String(problem.retryAfterSeconds));
  renderPage(res, {
    title: 'The console could not do that',
    status: problem.status,
    body: html`<p class="error" role="alert">${
      problem.expose ? problem.message : 'Something went wrong on our side. Try again in a moment.'
    }</p>
<p class="note">If you need help, quote this reference: <code>${requestIdOf(res)}</code></p>
<p><a href="/console">Back to the console</a></p>`,
  });
};

export interface ConsoleDeps {
  readonly db: Db;
  readonly keys: SigningKeys;
  readonly publicUrl: string;
  readonly adminToken: string;
  readonly masterKey: string;
  /** The admin API the console acts through. */
  readonly api: AdminApiDeps;
}

/**
 * The admin console at /console: server-rendered pages for an org's owners
 * and admins (signed in through SSO or a local account) and for the
 * operator (ADMIN_TOKEN, exchanged for a console session). Every read and
 * change goes through the admin API's operations, as the viewer.
 */
export function consoleRouter(deps: ConsoleDeps): Router {
  const kit: ConsoleKit = {
    api: deps.api,
    publicUrl: deps.publicUrl,
    csrf: { publicUrl: deps.publicUrl, secret: derivedKey(deps.masterKey, 'csrf') },
  };
  const operators = new OperatorSessions(deps.masterKey, deps.adminToken, deps.publicUrl);
  const router = Router();
  // helmet's headers (HSTS, COOP, CORP, …); each page sets its own CSP.
  router.use('/console', helmet({ contentSecurityPolicy: false }));
  // Every console page is a GET, every action a POST.
  router.use('/console', (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'POST') return next();
    res.setHeader('Allow', 'GET, HEAD, POST');
    throw new MusterError('method_not_allowed', 'The console takes GET and POST only');
  });
  router.use('/console', sessionAuthentication(deps, { required: false, refreshCookie: true }));

  const signInPage = (req: Request, res: Response, error?: string, status = 200) =>
    renderPage(res, {
      title: 'Muster console',
      status,
      body: html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<p>Owners and admins of an organization sign in with their work account.</p>
<p><a class="button" href="/login?returnTo=%2Fconsole">Sign in</a></p>
<details><summary>Operator sign-in</summary>
<form method="post" action="/console/sign-in">${csrfField(req, res, kit.csrf, 'console:operator')}
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="off" required maxlength="512">
<button type="submit">Sign in as operator</button></form></details>`,
    });

  router.post('/console/sign-in', consoleForm, (req, res) => {
    checkCsrf(req, kit.csrf, 'console:operator');
    const token = formValue(req, 'token', 512);
    if (!token || !constantTimeEqual(token, deps.adminToken)) {
      stateOf(res).log.warn('console operator sign-in refused', { requestId: requestIdOf(res) });
      return signInPage(req, res, 'That is not the admin token.', 401);
    }
    operators.start(res);
    stateOf(res).log.info('console operator signed in');
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, '/console');
  });

  router.post('/console/sign-out', consoleForm, (req, res) => {
    if (!sentFrom(req, [new URL(deps.publicUrl).origin]))
      throw new MusterError('forbidden', 'Sign-out must be sent from this site');
    operators.end(res);
    res.redirect(303, '/console');
  });

  /** Who is looking; a page asking to sign in when nobody is, 403 for a plain member. */
  router.use('/console', (req, res, next) => {
    const viewer = viewerOf(req, res, operators);
    if (viewer === 'refused')
      return renderPage(res, {
        title: 'Muster console',
        status: 403,
        body: html`<p class="error" role="alert">The console is for the owners and admins of an organization; your account is neither.</p>
<form method="post" action="/sso/logout"><input type="hidden" name="returnTo" value="/console"><button type="submit">Sign out</button></form>`,
      });
    if (!viewer) {
      if (req.method !== 'GET') throw new MusterError('unauthorized', 'Sign in first');
      return signInPage(req, res);
    }
    setViewer(res, viewer);
    next();
  });

  const orgsForm = (req: Request, res: Response) => csrfField(req, res, kit.csrf, 'console:operator:orgs');

  const showOrgs = async (req: Request, res: Response, error?: string, status?: number) => {
    const viewer = viewerIn(res);
    if (viewer.kind === 'member') {
      const org = await callApi<OrgSummary>(kit, res, 'get', '/orgs/{org}', {
        params: { org: viewer.orgId },
      });
      res.setHeader('Cache-Control', 'no-store');
      return res.redirect(303, orgPath(org, '/members'));
    }
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const page = await callApi<{ data: OrgSummary[]; nextCursor: string | null }>(kit, res, 'get', '/orgs', {
      query: { limit: '50', ...(cursor ? { cursor } : {}) },
    });
    consolePage(res, {
      viewer: { kind: 'super_admin' },
      title: 'Organizations',
      notice: error ? undefined : takeNotice(req, res),
      error,
      status,
      body: html`<div class="scroll"><table><caption class="note">Every organization of this Muster</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Slug</th><th scope="col">Id</th></tr></thead><tbody>${page.data.map(
        (org) =>
          html`<tr><td><a href="${orgPath(org, '/members')}">${org.name}</a></td><td>${org.slug}</td><td><code>${org.id}</code></td></tr>`,
      )}</tbody></table></div>
${page.nextCursor ? html`<p><a href="/console?cursor=${encodeURIComponent(page.nextCursor)}">Next page</a></p>` : ''}
<form method="post" action="/console/orgs">${orgsForm(req, res)}<fieldset><legend>New organization</legend>
<label for="org-name">Name</label><input id="org-name" name="name" required maxlength="200">
<label for="org-slug">Slug (optional)</label><input id="org-slug" name="slug" maxlength="63" pattern="[a-z0-9][a-z0-9-]*">
<button type="submit">Create</button></fieldset></form>`,
    });
  };

  router.get('/console', (req, res) => showOrgs(req, res));

  router.post('/console/orgs', consoleForm, async (req, res) => {
    checkCsrf(req, kit.csrf, 'console:operator:orgs');
    try {
      const slug = formValue(req, 'slug', 63);
      const org = await callApi<OrgSummary>(kit, res, 'post', '/orgs', {
        body: { name: formValue(req, 'name', 200), ...(slug ? { slug } : {}) },
      });
      redirectWithNotice(res, orgPath(org, '/members'), `Created ${org.name}.`);
    } catch (error) {
      const shown = shownError(error, res);
      await showOrgs(req, res, shown.error, shown.status);
    }
  });

  // Every org page: the org read through the API, so a member of another org gets its 403.
  const orgPages = Router({ mergeParams: true });
  orgPages.use(async (req, res, next) => {
    const org = await callApi<OrgSummary>(kit, res, 'get', '/orgs/{org}', {
      params: { org: String(req.params.org) },
    });
    setOrg(res, org);
    next();
  });
  orgPages.get('/', (_req, res) => res.redirect(303, orgPath(orgIn(res), '/members')));
  for (const register of consolePages) register(orgPages, kit);
  router.use('/console/orgs/:org', orgPages);
  router.use('/console', () => {
    throw new MusterError('not_found', 'There is no such page in the console');
  });
  // Without a mount path: one would strip /console from req.url, which the request log prints.
  router.use(consoleErrorPage);
  return router;
}
