import { createHmac, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { MusterError } from '../../errors.ts';
import { constantTimeEqual } from '../../infra/crypto/index.ts';
import { cookiesOf } from './cookies.ts';
import { html, type SafeHtml } from './page.ts';

/**
 * CSRF protection for Muster's own forms (double submit, signed): a random
 * value in a SameSite=Strict, HttpOnly cookie, and in each form an HMAC of
 * it bound to the form's purpose. A post is accepted only with both, so a
 * page of another site, which can neither read the cookie nor make the
 * HMAC, cannot post a form in the person's name. The Origin header, when
 * sent, must also be this site's.
 */
export const csrfCookieName = 'muster_csrf';

export interface CsrfOptions {
  readonly publicUrl: string;
  /** Keys the HMAC; the process's own secret (any process can check: see secretFrom). */
  readonly secret: string;
}

function sign(secret: string, value: string, purpose: string): string {
  return createHmac('sha256', secret).update(`${purpose}\n${value}`).digest('base64url');
}

// The value set on a response: a page of several forms, on a first visit, signs them all with the one cookie the browser will keep.
const issued = new WeakMap<Response, string>();

/** The hidden field a form carries; sets the cookie when the browser has none yet. */
export function csrfField(req: Request, res: Response, options: CsrfOptions, purpose: string): SafeHtml {
  let value = issued.get(res) ?? cookiesOf(req).get(csrfCookieName);
  if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
    value = randomBytes(32).toString('base64url');
    issued.set(res, value);
    res.cookie(csrfCookieName, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: new URL(options.publicUrl).protocol === 'https:',
      path: '/',
    });
  }
  return html`<input type="hidden" name="csrf" value="${sign(options.secret, value, purpose)}">`;
}

/** Refuses (403) a form post without a matching cookie and field, or from another origin. */
export function checkCsrf(req: Request, options: CsrfOptions, purpose: string): void {
  const origin = req.get('origin');
  if (origin !== undefined && origin !== 'null' && origin !== new URL(options.publicUrl).origin)
    throw new MusterError('forbidden', 'This form must be sent from this site');
  const value = cookiesOf(req).get(csrfCookieName);
  const field = (req.body as Record<string, unknown> | undefined)?.csrf;
  if (!value || typeof field !== 'string' || !constantTimeEqual(field, sign(options.secret, value, purpose)))
    throw new MusterError(
      'forbidden',
      'The form expired or came from another site: open the page again and retry',
    );
}
