import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import {
  loginEmail,
  passwordResetView,
  requestPasswordReset,
  resetPassword,
  signInMethod,
  startLocalSession,
  verifyLocalLogin,
} from '../../domain/accounts/index.ts';
import { findOrg } from '../../domain/orgs/index.ts';
import type { SigningKeys } from '../../domain/sessions/index.ts';
import { MusterError } from '../../errors.ts';
import { derivedKey } from '../../infra/crypto/index.ts';
import type { Db } from '../../storage/index.ts';
import {
  type CsrfOptions,
  checkCsrf,
  csrfField,
  renderHtmlError,
  renderPage,
  requestIdOf,
  type SafeHtml,
  toMusterError,
} from '../http/index.ts';
import { completeFormSignIn, handOff } from './hand-off.ts';
import {
  type Carried,
  emailForm,
  linkGone,
  loginHref,
  newPasswordForm,
  passwordChanged,
  passwordForm,
  problem,
  resetRequested,
  resetRequestForm,
} from './pages.ts';

export interface LoginRouterDeps {
  readonly db: Db;
  /** PUBLIC_URL: returnTo is judged against it, reset links point at it, the cookies are Secure on https. */
  readonly publicUrl: string;
  readonly keys: SigningKeys;
  /** MASTER_KEY: the forms' CSRF key is derived from it, the same in every process. */
  readonly masterKey: string;
}

/** A sign-in form holds an email, a password, an org, a returnTo and the CSRF field. */
const formBody = express.urlencoded({ extended: false, limit: 8 * 1024, parameterLimit: 20 });

function field(source: unknown, name: string, max: number): string | undefined {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.trim().length > 0 ? value.slice(0, max) : undefined;
}

function carriedFrom(source: unknown): Carried {
  return {
    email: field(source, 'email', 320)?.trim(),
    org: field(source, 'org', 100)?.trim().toLowerCase(),
    returnTo: field(source, 'returnTo', 2000),
  };
}

/** The client's address as Express sees it (behind a proxy: as its `trust proxy` setting says). */
const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? '';

/** `/sso/login` for an email, with the returnTo as given: /sso/login judges it against the org's list. */
function ssoLoginUrl(email: string, returnTo: string | undefined): string {
  const query = new URLSearchParams({ email });
  if (returnTo) query.set('returnTo', returnTo);
  return `/sso/login?${query}`;
}

const toSso = {
  title: 'Continue to single sign-on',
  message: 'Your organization signs you in with its identity provider.',
  label: 'Continue',
};

/** A refusal from the domain that the form it came from can show; anything else is thrown on. */
function shownOnForm(error: unknown, res: Response): MusterError {
  if (!(error instanceof MusterError) || error.status >= 500 || error.code === 'forbidden') throw error;
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  return error;
}

/**
 * Local sign-in for people no IdP signs in: `/login` (the email first;
 * a domain routed to SSO goes there, any other gets the password form),
 * and a reset by email at `/login/reset` and `/login/reset/{token}`.
 * Sign-out is `POST /sso/logout`. Pages are server-rendered, without
 * script, and every form carries a CSRF token bound to its purpose.
 */
export function loginRouter(deps: LoginRouterDeps): Router {
  const router = Router();
  const csrf: CsrfOptions = { publicUrl: deps.publicUrl, secret: derivedKey(deps.masterKey, 'csrf') };
  const { db } = deps;

  const page = (res: Response, title: string, body: SafeHtml, status = 200) =>
    renderPage(res, { title, body, status });

  const showEmail = (req: Request, res: Response, carried: Carried, error?: string, status = 200) =>
    page(res, 'Sign in', emailForm({ csrf: csrfField(req, res, csrf, 'login'), error }, carried), status);

  const showPassword = (
    req: Request,
    res: Response,
    carried: Carried,
    shown: { error?: string; status?: number; askOrg?: boolean } = {},
  ) =>
    page(
      res,
      'Sign in',
      passwordForm(
        { csrf: csrfField(req, res, csrf, 'login'), error: shown.error },
        carried,
        shown.askOrg ?? false,
      ),
      shown.status,
    );

  const showResetRequest = (req: Request, res: Response, carried: Carried, error?: string, status = 200) =>
    page(
      res,
      'Reset your password',
      resetRequestForm({ csrf: csrfField(req, res, csrf, 'login-reset'), error }, carried),
      status,
    );

  const showNewPassword = (
    req: Request,
    res: Response,
    token: string,
    account: { email: string; orgName: string },
    error?: string,
    status = 200,
  ) =>
    page(
      res,
      'Choose a new password',
      newPasswordForm(
        { csrf: csrfField(req, res, csrf, 'login-reset-password'), error, action: `/login/reset/${token}` },
        account,
      ),
      status,
    );

  router.get('/login', async (req, res) => {
    // Express 5 parses req.query on each read: one copy.
    const carried = carriedFrom({ ...req.query });
    const email = loginEmail(carried.email);
    if (!email) {
      showEmail(req, res, carried);
      return;
    }
    // A link that names the email (from the application): no form in between, so a redirect will do.
    const method = await signInMethod(db, email, carried.org);
    if (method.method === 'sso') {
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(303, ssoLoginUrl(email, carried.returnTo));
      return;
    }
    showPassword(req, res, { ...carried, email });
  });

  router.post('/login', formBody, async (req, res) => {
    checkCsrf(req, csrf, 'login');
    const carried = carriedFrom(req.body);
    const email = loginEmail(carried.email);
    if (!email) {
      showEmail(req, res, carried, 'Enter your email address, such as name@example.com', 400);
      return;
    }
    const askOrg = field(req.body, 'askOrg', 1) === '1';
    if (!Object.hasOwn(req.body as object, 'password')) {
      // The email step: SSO, or the password form.
      const method = await signInMethod(db, email, carried.org);
      if (method.method === 'sso') handOff(res, ssoLoginUrl(email, carried.returnTo), toSso);
      else showPassword(req, res, { ...carried, email });
      return;
    }
    const requestId = requestIdOf(res);
    let outcome: Awaited<ReturnType<typeof verifyLocalLogin>>;
    try {
      outcome = await verifyLocalLogin(
        db,
        { email, password: field(req.body, 'password', 1024) ?? '', org: carried.org, ip: clientIp(req) },
        { requestId },
      );
    } catch (error) {
      const refused = shownOnForm(error, res);
      showPassword(
        req,
        res,
        { ...carried, email },
        { error: refused.message, status: refused.status, askOrg },
      );
      return;
    }
    if (outcome.outcome === 'sso') {
      handOff(res, ssoLoginUrl(email, carried.returnTo), toSso);
      return;
    }
    if (outcome.outcome === 'choose_org') {
      showPassword(
        req,
        res,
        { ...carried, email },
        {
          error:
            'This email address has accounts in more than one organization: say which one to sign in to.',
          askOrg: true,
        },
      );
      return;
    }
    const session = await startLocalSession(db, deps.keys, outcome, { requestId });
    const org = await findOrg(db, outcome.orgId);
    completeFormSignIn(res, deps, { session, returnTo: carried.returnTo, appUrls: org?.appUrls ?? [] });
  });

  router.get('/login/reset', (req, res) => {
    showResetRequest(req, res, carriedFrom({ ...req.query }));
  });

  router.post('/login/reset', formBody, async (req, res) => {
    checkCsrf(req, csrf, 'login-reset');
    const carried = carriedFrom(req.body);
    const email = loginEmail(carried.email);
    if (!email) {
      showResetRequest(req, res, carried, 'Enter your email address, such as name@example.com', 400);
      return;
    }
    try {
      await requestPasswordReset(
        db,
        { email, org: carried.org, ip: clientIp(req), publicUrl: deps.publicUrl },
        { requestId: requestIdOf(res) },
      );
    } catch (error) {
      const refused = shownOnForm(error, res);
      showResetRequest(req, res, carried, refused.message, refused.status);
      return;
    }
    page(res, 'Check your email', resetRequested(email));
  });

  router.get('/login/reset/:token', async (req, res) => {
    const view = await passwordResetView(db, req.params.token);
    if (!view) {
      page(res, 'Reset your password', linkGone(gone), 404);
      return;
    }
    showNewPassword(req, res, req.params.token, view);
  });

  router.post('/login/reset/:token', formBody, async (req, res) => {
    checkCsrf(req, csrf, 'login-reset-password');
    const token = req.params.token;
    const view = await passwordResetView(db, token);
    if (!view) {
      page(res, 'Reset your password', linkGone(gone), 404);
      return;
    }
    const password = field(req.body, 'password', 1024) ?? '';
    if (password !== (field(req.body, 'confirm', 1024) ?? '')) {
      showNewPassword(req, res, token, view, 'The two passwords are not the same: type them again', 400);
      return;
    }
    let done: Awaited<ReturnType<typeof resetPassword>>;
    try {
      done = await resetPassword(db, { token, password }, { requestId: requestIdOf(res) });
    } catch (error) {
      const refused = shownOnForm(error, res);
      if (refused.code === 'not_found') page(res, 'Reset your password', linkGone(refused.message), 404);
      else showNewPassword(req, res, token, view, refused.message, refused.status);
      return;
    }
    page(
      res,
      'Password changed',
      passwordChanged(loginHref('/login', { email: done.email, org: done.orgSlug })),
    );
  });

  // Anything else (a CSRF refusal, a body too large, a failure): a page, never a stack.
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const refused = toMusterError(error);
    if (res.headersSent) {
      res.end();
      return;
    }
    if (refused.status >= 500) {
      renderHtmlError(res, refused, 'Sign-in failed');
      return;
    }
    if (refused.retryAfterSeconds !== undefined) res.set('Retry-After', String(refused.retryAfterSeconds));
    page(res, 'Sign in', problem(refused.message), refused.status);
  };
  router.use('/login', onError);
  return router;
}

const gone =
  'This link does not work any more: it was used, its hour passed, or it was copied wrong. Ask for a new one.';
