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
import { isMusterError, MusterError } from '../../errors.ts';
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
import { completeSignIn, type SessionHttpDeps, sessionAuthentication, sessionOf } from '../sso/index.ts';
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

  router.post(`${tokenPath}/accept`, form, authenticated, async (req, res) => {
    const token = String(req.params.token);
    const opened = await openInvitation(deps.db, token);
    if (!opened) return notFoundPage(res);
    checkCsrf(req, csrf, `invite:${token}:accept`);
    const session = sessionOf(res);
    const requestId = stateOf(res).requestId;
    const mode = field(req, 'mode', 20);
    const values = {
      givenName: field(req, 'givenName', 100).trim(),
      familyName: field(req, 'familyName', 100).trim(),
    };
    try {
      let acceptor: Acceptor;
      let ctx: ChangeContext = { actor: { type: 'system', id: null }, requestId };
      if (mode === 'session') {
        if (!session || session.orgId !== opened.org.id)
          throw new MusterError('unauthorized', 'Sign in first, then accept');
        acceptor = { kind: 'user', userId: session.userId };
        ctx = { actor: { type: 'user', id: session.userId }, requestId };
      } else if (mode === 'signin') {
        const userId = await verifyOrgPassword(
          deps.db,
          {
            orgId: opened.org.id,
            email: opened.invitation.email,
            password: field(req, 'password'),
            ip: req.ip ?? '',
          },
          { requestId },
        );
        acceptor = { kind: 'user', userId };
        ctx = { actor: { type: 'user', id: userId }, requestId };
      } else if (mode === 'create') {
        const sso = await connectionForDomain(deps.db, opened.invitation.email);
        if (sso && sso.orgId === opened.org.id)
          throw new MusterError(
            'forbidden',
            'Your organization signs you in with single sign-on: continue there',
          );
        const password = field(req, 'password');
        if (password !== field(req, 'confirm'))
          throw new MusterError('validation_failed', 'The two passwords differ');
        acceptor = {
          kind: 'new',
          givenName: values.givenName || null,
          familyName: values.familyName || null,
          credentials: await passwordFor(password, opened.invitation.email),
        };
      } else throw new MusterError('validation_failed', 'The form is not one this page sent');
      const accepted = await acceptInvitation(deps.db, ctx, token, acceptor);
      if (session && session.orgId === accepted.orgId && session.userId === accepted.userId) {
        res.setHeader('Cache-Control', 'no-store');
        return res.redirect(303, opened.org.appUrls[0] ?? '/');
      }
      const started = await startSession(
        deps.db,
        deps.keys,
        { orgId: accepted.orgId, userId: accepted.userId, connectionId: null, loginId: newId() },
        { actor: { type: 'user', id: accepted.userId }, requestId },
      );
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

  router.use('/invite', (error: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    renderHtmlError(res, toMusterError(error), 'Invitation');
  });
  return router;
}
