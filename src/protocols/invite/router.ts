import express, { type Request, type Response, Router } from 'express';
import { preparePassword, setLocalPassword, verifyOrgPassword } from '../../domain/accounts/index.ts';
import type { ChangeContext } from '../../domain/audit/index.ts';
import {
  type Acceptor,
  acceptInvitation,
  accountOf,
  emailOfMember,
  type OpenedInvitation,
  openInvitation,
  requestRenewal,
} from '../../domain/invitations/index.ts';
import { type SigningKeys, startSession } from '../../domain/sessions/index.ts';
import { connectionForDomain } from '../../domain/sources/index.ts';
import { isMusterError, MusterError, notFound } from '../../errors.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import {
  type CsrfOptions,
  checkCsrf,
  csrfField,
  html,
  renderHtmlError,
  renderPage,
  type SafeHtml,
  stateOf,
  toMusterError,
} from '../http/index.ts';
import {
  completeSignIn,
  type SessionHttpDeps,
  sessionAuthentication,
  sessionOf,
  setSessionCookie,
} from '../sso/index.ts';
import {
  acceptAsSignedIn,
  createAccountForm,
  errorNote,
  invitationDetails,
  renewalForm,
  signInForm,
  ssoLink,
} from './pages.ts';

export interface InviteDeps extends SessionHttpDeps {
  readonly db: Db;
  readonly keys: SigningKeys;
  readonly publicUrl: string;
  readonly csrfSecret: string;
}

const tokenPath = '/invite/:token';

/** What a person sends to accept: the form's fields, or an application's JSON. */
interface AcceptInput {
  /** session, signin or create: the form says which; JSON leaves it to the situation. */
  readonly mode?: string;
  readonly password: string;
  readonly confirm?: string;
  readonly givenName?: string;
  readonly familyName?: string;
}

/** A new account's password, checked and hashed before the acceptance's transaction, stored inside it. */
async function passwordFor(password: string, email: string) {
  const prepared = await preparePassword(password, { email });
  return (trx: Db, orgId: string, userId: string) =>
    setLocalPassword(trx, orgId, userId, prepared, { actor: { type: 'user', id: userId } });
}

interface Shown {
  readonly status?: number;
  readonly error?: string;
  readonly values?: { givenName?: string; familyName?: string };
}

function field(req: Request, name: string, max = 256): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/**
 * The invitation page (GET /invite/{token}) and its forms: accept (as the
 * signed-in member, with a new account, or with the account's password),
 * and ask for a new invitation once this one expired or was revoked.
 * Server-rendered, no script, CSRF-protected, working without JavaScript.
 */
export function inviteRouter(deps: InviteDeps): Router {
  const router = Router();
  const csrf: CsrfOptions = { publicUrl: deps.publicUrl, secret: deps.csrfSecret };
  const forms = (req: Request, res: Response, token: string, action: 'accept' | 'renew') => ({
    action: `/invite/${token}/${action}`,
    csrf: csrfField(req, res, csrf, `invite:${token}:${action}`),
  });
  const authenticated = sessionAuthentication(deps, { required: false, refreshCookie: true });
  const form = express.urlencoded({ extended: false, limit: 8 * 1024, parameterLimit: 20 });
  const json = express.json({ limit: 8 * 1024 });

  const notFoundPage = (res: Response) =>
    renderPage(res, {
      status: 404,
      title: 'This invitation link does not work',
      body: html`<p>The link may be mistyped, or a newer email replaced it: use the link in the latest invitation email, or ask the person who invited you to send it again.</p>`,
    });

  async function show(
    req: Request,
    res: Response,
    token: string,
    opened: OpenedInvitation,
    shown: Shown = {},
  ) {
    const { invitation } = opened;
    const details = invitationDetails(opened);
    if (invitation.status === 'accepted')
      return renderPage(res, {
        status: shown.status ?? 200,
        title: 'Invitation accepted',
        body: html`${details}<p>This invitation was accepted already. <a href="/login?org=${opened.org.slug}">Sign in</a>.</p>`,
      });
    if (invitation.status !== 'pending')
      return renderPage(res, {
        status: shown.status ?? 410,
        title: `Your invitation to ${opened.org.name}`,
        body: html`${errorNote(shown.error)}${details}${renewalForm(forms(req, res, token, 'renew'), invitation.status)}`,
      });
    const accept = forms(req, res, token, 'accept');
    const session = sessionOf(res);
    let action: SafeHtml;
    const email =
      session && session.orgId === opened.org.id
        ? await emailOfMember(deps.db, session.orgId, session.userId)
        : undefined;
    const user = email ? { email } : undefined;
    const sso = await connectionForDomain(deps.db, invitation.email);
    if (user && user.email.toLowerCase() === invitation.email) action = acceptAsSignedIn(accept, user.email);
    else if (user)
      action = html`<p class="error" role="alert">You are signed in as <strong>${user.email}</strong>, but this invitation is for <strong>${invitation.email}</strong>. Sign out, then open the link again.</p>
<form method="post" action="/sso/logout"><input type="hidden" name="returnTo" value="/invite/${token}"><button type="submit">Sign out</button></form>`;
    else if (sso && sso.orgId === opened.org.id)
      action = ssoLink(
        `/sso/login?email=${encodeURIComponent(invitation.email)}&returnTo=${encodeURIComponent(`/invite/${token}`)}`,
        sso.name || 'your identity provider',
      );
    else {
      const existing = await accountOf(deps.db, opened.org.id, invitation.email);
      action = existing ? signInForm(accept) : createAccountForm(accept, shown.values ?? {});
    }
    renderPage(res, {
      status: shown.status ?? 200,
      formTargets: opened.org.appUrls,
      title: `Join ${opened.org.name}`,
      body: html`${errorNote(shown.error)}${details}${action}`,
    });
  }

  router.get(tokenPath, authenticated, async (req, res) => {
    const token = String(req.params.token);
    const opened = await openInvitation(deps.db, token);
    if (!opened) return notFoundPage(res);
    await show(req, res, token, opened);
  });

  /**
   * Who accepts, from what the person sent: the form names its mode; a
   * JSON request (an application's own page) leaves it out, and the
   * situation decides: the session's member, the account's password, or a
   * new account with the password.
   */
  async function acceptorFrom(
    req: Request,
    res: Response,
    opened: OpenedInvitation,
    input: AcceptInput,
  ): Promise<{ acceptor: Acceptor; ctx: ChangeContext }> {
    const session = sessionOf(res);
    const requestId = stateOf(res).requestId;
    const signedIn = session && session.orgId === opened.org.id ? session : undefined;
    const mode =
      input.mode ??
      (signedIn && !input.password
        ? 'session'
        : (await accountOf(deps.db, opened.org.id, opened.invitation.email))
          ? 'signin'
          : 'create');
    if (mode === 'session') {
      if (!signedIn) throw new MusterError('unauthorized', 'Sign in first, then accept');
      return {
        acceptor: { kind: 'user', userId: signedIn.userId },
        ctx: { actor: { type: 'user', id: signedIn.userId }, requestId },
      };
    }
    if (mode === 'signin') {
      const userId = await verifyOrgPassword(
        deps.db,
        { orgId: opened.org.id, email: opened.invitation.email, password: input.password, ip: req.ip ?? '' },
        { requestId },
      );
      return { acceptor: { kind: 'user', userId }, ctx: { actor: { type: 'user', id: userId }, requestId } };
    }
    if (mode !== 'create') throw new MusterError('validation_failed', 'The form is not one this page sent');
    const sso = await connectionForDomain(deps.db, opened.invitation.email);
    if (sso && sso.orgId === opened.org.id)
      throw new MusterError(
        'forbidden',
        'Your organization signs you in with single sign-on: continue there',
      );
    if (input.confirm !== undefined && input.password !== input.confirm)
      throw new MusterError('validation_failed', 'The two passwords differ');
    return {
      acceptor: {
        kind: 'new',
        givenName: input.givenName || null,
        familyName: input.familyName || null,
        credentials: await passwordFor(input.password, opened.invitation.email),
      },
      ctx: { actor: { type: 'system', id: null }, requestId },
    };
  }

  /** Accepts, and starts a session unless the person accepted in the one they have. */
  async function accept(
    req: Request,
    res: Response,
    token: string,
    opened: OpenedInvitation,
    input: AcceptInput,
  ) {
    const { acceptor, ctx } = await acceptorFrom(req, res, opened, input);
    const accepted = await acceptInvitation(deps.db, ctx, token, acceptor);
    const session = sessionOf(res);
    if (session && session.orgId === accepted.orgId && session.userId === accepted.userId)
      return { accepted, started: undefined };
    const started = await startSession(
      deps.db,
      deps.keys,
      { orgId: accepted.orgId, userId: accepted.userId, connectionId: null, loginId: newId() },
      { actor: { type: 'user', id: accepted.userId }, requestId: ctx.requestId },
    );
    return { accepted, started };
  }

  router.post(`${tokenPath}/accept`, form, json, authenticated, async (req, res) => {
    const token = String(req.params.token);
    const opened = await openInvitation(deps.db, token);
    const asJson = req.is('application/json') === 'application/json';
    if (asJson) return acceptJson(req, res, token, opened);
    if (!opened) return notFoundPage(res);
    checkCsrf(req, csrf, `invite:${token}:accept`);
    const values = {
      givenName: field(req, 'givenName', 100).trim(),
      familyName: field(req, 'familyName', 100).trim(),
    };
    try {
      const { started } = await accept(req, res, token, opened, {
        mode: field(req, 'mode', 20),
        password: field(req, 'password'),
        confirm: field(req, 'confirm'),
        ...values,
      });
      if (!started) {
        res.setHeader('Cache-Control', 'no-store');
        return res.redirect(303, opened.org.appUrls[0] ?? '/');
      }
      completeSignIn(res, deps, { session: started, appUrls: opened.org.appUrls });
    } catch (error) {
      const problem = toMusterError(error);
      if (!isMusterError(error) || problem.status >= 500) throw error;
      const again = await openInvitation(deps.db, token);
      if (!again) return notFoundPage(res);
      if (problem.retryAfterSeconds !== undefined) res.set('Retry-After', String(problem.retryAfterSeconds));
      const detail = problem.details?.[0]?.message;
      await show(req, res, token, again, {
        status: problem.status,
        error: detail ? `${problem.message}: ${detail}` : problem.message,
        values,
      });
    }
  });

  /**
   * The same acceptance as JSON, for an application that renders its own
   * page: `{password, givenName?, familyName?}`, or nothing when signed in
   * with the invited email. No CSRF token: a page of another site cannot
   * send a JSON body here without a CORS preflight, which Muster never
   * grants; an Origin other than this site's is refused all the same.
   */
  async function acceptJson(
    req: Request,
    res: Response,
    token: string,
    opened: OpenedInvitation | undefined,
  ) {
    const origin = req.get('origin');
    if (origin !== undefined && origin !== new URL(deps.publicUrl).origin)
      throw new MusterError('forbidden', 'This request must come from this site');
    if (!opened) throw notFound('Invitation');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (name: string, max: number) => {
      const value = body[name];
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string' || value.length > max)
        throw new MusterError('validation_failed', 'The request is not valid', {
          details: [{ path: name, message: `must be text of at most ${max} characters` }],
        });
      return value;
    };
    const { accepted, started } = await accept(req, res, token, opened, {
      password: text('password', 256) ?? '',
      givenName: text('givenName', 100)?.trim() ?? '',
      familyName: text('familyName', 100)?.trim() ?? '',
    });
    if (started) setSessionCookie(res, deps, started.token, started.expiresAt);
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).json({
      invitationId: accepted.invitationId,
      orgId: accepted.orgId,
      userId: accepted.userId,
      created: accepted.created,
      session: started ? { token: started.token, expiresAt: started.expiresAt.toISOString() } : null,
    });
  }

  router.post(`${tokenPath}/renew`, form, async (req, res) => {
    const token = String(req.params.token);
    const opened = await openInvitation(deps.db, token);
    if (!opened) return notFoundPage(res);
    checkCsrf(req, csrf, `invite:${token}:renew`);
    try {
      await requestRenewal(deps.db, token, deps.publicUrl);
    } catch (error) {
      if (!isMusterError(error) || error.status >= 500) throw error;
      return show(req, res, token, opened, { status: error.status, error: error.message });
    }
    renderPage(res, {
      title: 'Asked for a new invitation',
      body: html`<p>We asked ${opened.inviter ?? `the administrators of ${opened.org.name}`} to send you a new invitation. It will come by email.</p>`,
    });
  });

  router.use('/invite', (error: unknown, req: Request, res: Response, next: express.NextFunction) => {
    if (req.is('application/json') === 'application/json') return next(error);
    renderHtmlError(res, toMusterError(error), 'Invitation');
  });
  return router;
}
