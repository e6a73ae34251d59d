import { Router } from 'express';
import { MusterError } from '../../../errors.ts';
import { renderHtmlError } from '../../http/index.ts';
import { clientJwks } from '../client-key.ts';
import { oidcCallback } from './callback.ts';
import type { OidcSignInDeps } from './ports.ts';

/**
 * The OIDC endpoints: the redirect URI a browser comes back to, and the
 * connection's client key for IdPs that fetch it (private_key_jwt).
 */
export function oidcSignInRouter(deps: OidcSignInDeps): Router {
  const router = Router();
  router.get('/sso/oidc/:connection/callback', oidcCallback(deps));
  router.get('/sso/oidc/:connection/jwks.json', async (req, res) => {
    const connection = await deps.loadConnection(String(req.params.connection ?? ''));
    if (!connection?.clientCertificate)
      throw new MusterError('not_found', 'This connection has no client key');
    res.set('Cache-Control', 'public, max-age=300').type('application/jwk-set+json');
    res.send(JSON.stringify(await clientJwks(connection.clientCertificate)));
  });
  router.use('/sso/oidc/:connection/callback', (_req, res) => {
    res.setHeader('Allow', 'GET');
    renderHtmlError(res, new MusterError('method_not_allowed', 'The redirect URI takes GET'));
  });
  return router;
}
