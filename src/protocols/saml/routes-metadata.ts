import { Router } from 'express';
import { type SsoKeys, samlConnectionFor } from '../../domain/sources/index.ts';
import { notFound } from '../../errors.ts';
import type { Db } from '../../storage/index.ts';
import { buildSpMetadata } from './sp-metadata.ts';

/**
 * `GET /sso/saml/{connection}/metadata`: the SP metadata an IdP admin
 * imports (entity id, ACS, SLO, signing and encryption certificates). Public,
 * as IdPs fetch it unauthenticated; it holds nothing secret.
 */
export function samlMetadataRouter(deps: { readonly db: Db; readonly keys: SsoKeys }): Router {
  const router = Router();
  router.get('/sso/saml/:connection/metadata', async (req, res) => {
    const connection = await samlConnectionFor(deps.db, deps.keys, req.params.connection ?? '');
    if (!connection) throw notFound('SAML connection');
    res
      .status(200)
      .type('application/samlmetadata+xml')
      .set('Cache-Control', 'no-cache')
      .set('Content-Disposition', `inline; filename="muster-${connection.id}-metadata.xml"`)
      .send(buildSpMetadata(connection));
  });
  return router;
}
