import type { Response } from 'express';
import type { MusterError } from '../../errors.ts';
import { stateOf } from './context.ts';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * The page a person sees when a browser flow (a sign-in, an invitation)
 * fails: what went wrong in words, the request id to quote, never a stack.
 * Server-side failures say only that something went wrong.
 */
export function renderHtmlError(res: Response, error: MusterError, title = 'Sign-in failed'): void {
  const state = stateOf(res);
  if (error.status >= 500) state.log.error('request failed', { error: error.cause ?? error });
  const message = error.expose ? error.message : 'Something went wrong on our side. Try again in a moment.';
  res
    .status(error.status)
    .set('Content-Type', 'text/html; charset=utf-8')
    .set('Cache-Control', 'no-store')
    .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
        '<meta name="viewport" content="width=device-width, initial-scale=1">' +
        '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}' +
        'code{background:#f3f3f3;padding:.1rem .3rem}</style></head><body>' +
        `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>` +
        `<p>If you need help, give your administrator this reference: <code>${escapeHtml(state.requestId)}</code></p>` +
        '</body></html>',
    );
}
