import type { Request } from 'express';

/**
 * Whether a post without a CSRF field came from an allowed origin: no
 * Origin header, one of `origins`, or `null` with `Sec-Fetch-Site:
 * same-origin`. Muster's own pages send no referrer, so browsers post
 * their forms with Origin: null, while marking them same-origin in a
 * header no page can set.
 */
export function sentFrom(req: Request, origins: readonly (string | undefined)[]): boolean {
  const origin = req.get('origin');
  if (origin === undefined || origins.includes(origin)) return true;
  return origin === 'null' && req.get('sec-fetch-site') === 'same-origin';
}
