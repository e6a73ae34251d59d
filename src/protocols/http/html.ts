import type { Response } from 'express';
import type { MusterError } from '../../errors.ts';
import { stateOf } from './context.ts';
import { html, renderPage } from './page.ts';

/**
 * The page a person sees when a browser flow (a sign-in, an invitation)
 * fails: what went wrong in words, the request id to quote, never a stack.
 * Server-side failures say only that something went wrong. It is a page
 * like the others: the stylesheet from /assets and the strict CSP, no
 * framing, no referrer.
 */
export function renderHtmlError(res: Response, error: MusterError, title = 'Sign-in failed'): void {
  const state = stateOf(res);
  if (error.status >= 500) state.log.error('request failed', { error: error.cause ?? error });
  const message = error.expose ? error.message : 'Something went wrong on our side. Try again in a moment.';
  renderPage(res, {
    title,
    status: error.status,
    body: html`<p>${message}</p>
<p>If you need help, give your administrator this reference: <code>${state.requestId}</code></p>`,
  });
}
