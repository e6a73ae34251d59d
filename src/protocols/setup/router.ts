import { type ErrorRequestHandler, type RequestHandler, type Response, Router } from 'express';
import helmet from 'helmet';
import type { SigningKeys } from '../../domain/sessions/index.ts';
import { type OpenedSetupLink, openSetupLink } from '../../domain/setup-links/index.ts';
import { MusterError } from '../../errors.ts';
import { derivedKey } from '../../infra/crypto/index.ts';
import type { Db } from '../../storage/index.ts';
import type { AdminApiDeps } from '../admin-api/index.ts';
import { html, renderPage, requestIdOf, stateOf, toMusterError } from '../http/index.ts';
import type { SignInFlows } from '../sso/index.ts';
import { type SetupKit, setOpened } from './kit.ts';
import { scimPages } from './scim.ts';
import { ssoPages, testSignInReturn } from './sso.ts';
import { startPages } from './start.ts';

export interface SetupDeps {
  readonly db: Db;
  readonly keys: SigningKeys;
  readonly publicUrl: string;
  readonly masterKey: string;
  /** The admin API the portal acts through, as its setup link. */
  readonly api: AdminApiDeps;
  /** The sign-in flows, for the test sign-in. */
  readonly flows: SignInFlows;
}

function notFoundPage(res: Response): void {
  renderPage(res, {
    status: 404,
    title: 'This setup link does not work',
    body: html`<p>The link may be mistyped or cut short: open it exactly as you received it, or ask the administrator who sent it for a new one.</p>`,
  });
}

/** A link that ended: 410, and who to ask for a new one. */
function gonePage(res: Response, opened: OpenedSetupLink): void {
  const { link, org } = opened;
  renderPage(res, {
    status: 410,
    title: link.status === 'revoked' ? 'This setup link was revoked' : 'This setup link has expired',
    body: html`<p>${
      link.status === 'revoked'
        ? `${org.name}'s administrator revoked this link.`
        : `This link to set up ${org.name}'s sign-in worked until ${link.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`
    } What was set up through it stays as it is.</p>
<p>To go on, ask ${org.name}'s administrator for a new setup link.</p>`,
  });
}

/** The portal's own paths: its method check, its 404 and its error page answer for these alone. */
const inPortal = (path: string) => path === '/setup' || path.startsWith('/setup/');

/**
 * What a page did not show beside its form: a page of its own (the
 * portal's CSP and headers, never JSON, never a stack). Mounted without a
 * path, as a mount path would strip /setup from req.url and the request log
 * would print the token.
 */
const failedPage: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent || !inPortal(req.path)) return next(error);
  const problem = toMusterError(error);
  if (problem.status >= 500) stateOf(res).log.error('request failed', { error: problem.cause ?? problem });
  renderPage(res, {
    status: problem.status,
    title: 'Setup could not go on',
    body: html`<p class="error wrap" role="alert">${
      problem.expose ? problem.message : 'Something went wrong on our side. Try again in a moment.'
    }</p>
<p class="note">If you need help, give the administrator who sent the link this reference: <code>${requestIdOf(res)}</code></p>`,
  });
};

/**
 * The setup portal at /setup/{token}: server-rendered pages (no script)
 * that walk a customer's IT admin through connecting their IdP to one org,
 * without a Muster account. Every change goes through the admin API as the
 * link, which reaches only the connection and directory it sets up. The
 * token is a secret: routes name it only as :token (so the request log and
 * metrics never carry it), and no page or redirect sends a Referer.
 */
export function setupRouter(deps: SetupDeps): Router {
  const kit: SetupKit = {
    db: deps.db,
    api: deps.api,
    publicUrl: deps.publicUrl,
    csrf: { publicUrl: deps.publicUrl, secret: derivedKey(deps.masterKey, 'csrf') },
  };
  const router = Router();
  // helmet's headers, Referrer-Policy: no-referrer among them, on redirects too; each page sets its CSP.
  router.use('/setup', helmet({ contentSecurityPolicy: false }), (req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    // Every portal page is a GET, every action a POST.
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'POST') return next();
    res.setHeader('Allow', 'GET, HEAD, POST');
    throw new MusterError('method_not_allowed', 'The setup portal takes GET and POST only');
  });

  /** Finds the link a token opens; answers for an unknown or ended one itself. */
  const open: RequestHandler = async (req, res, next) => {
    const token = String(req.params.token ?? '');
    const opened = await openSetupLink(deps.db, token);
    if (!opened) return notFoundPage(res);
    if (opened.link.status !== 'active') return gonePage(res, opened);
    setOpened(res, { ...opened, token });
    next();
  };

  testSignInReturn(router, kit);
  startPages(router, kit, open);
  ssoPages(router, kit, open, deps.flows);
  scimPages(router, kit, open);

  router.use('/setup', () => {
    throw new MusterError('not_found', 'There is no such page in the setup portal');
  });
  router.use(failedPage);
  return router;
}
