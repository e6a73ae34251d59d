import { Router } from 'express';
import { MusterError } from '../../errors.ts';
import { type SessionHttpDeps, sessionAuthentication } from './authenticate.ts';
import { jwksHandler } from './jwks.ts';
import { logoutHandlers } from './logout.ts';
import { meHandler } from './me.ts';

function onlyMethods(methods: string) {
  return Router().all('/', (_req, res) => {
    res.setHeader('Allow', methods);
    throw new MusterError('method_not_allowed', `This path takes ${methods}`);
  });
}

/**
 * The session's own endpoints. Mounted before the admin API, so its
 * bearer check (admin token, API keys) never sees /api/v1/me.
 */
export function sessionRouter(deps: SessionHttpDeps): Router {
  const router = Router();
  router.get('/.well-known/jwks.json', jwksHandler(deps.keys));
  router.get(
    '/api/v1/me',
    sessionAuthentication(deps, { required: true, refreshCookie: true }),
    meHandler(deps),
  );
  router.use('/api/v1/me', onlyMethods('GET'));
  router.post(
    '/sso/logout',
    sessionAuthentication(deps, { required: false, refreshCookie: false }),
    ...logoutHandlers(deps),
  );
  router.use('/sso/logout', onlyMethods('POST'));
  return router;
}
