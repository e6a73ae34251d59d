import express, { type ErrorRequestHandler, Router } from 'express';
import { renderHtmlError, toMusterError } from '../../http/index.ts';
import { defaultMaxXmlBytes } from '../xml.ts';
import { assertionConsumer } from './acs.ts';
import type { SamlSignInDeps } from './ports.ts';
import { singleLogoutEndpoint } from './slo.ts';

/** Body-parser failures (too large, malformed) on a browser flow get a page, not JSON. */
const renderAsPage: ErrorRequestHandler = (error, _req, res, _next) => {
  renderHtmlError(res, toMusterError(error));
};

/**
 * The SAML endpoints a browser reaches. The ACS body is capped before any
 * XML work: base64 of the 256 KiB of XML the module accepts, and a little
 * room for RelayState; a validly signed 5 MB response would otherwise hold
 * the event loop for minutes.
 */
export function samlSignInRouter(deps: SamlSignInDeps): Router {
  const router = Router();
  const limit = Math.ceil((defaultMaxXmlBytes * 4) / 3) + 4096;
  const form = express.urlencoded({ extended: false, limit, parameterLimit: 10 });
  router.post('/sso/saml/:connection/acs', form, assertionConsumer(deps));
  router.get('/sso/saml/:connection/slo', singleLogoutEndpoint(deps));
  router.post('/sso/saml/:connection/slo', form, singleLogoutEndpoint(deps));
  router.use('/sso/saml', renderAsPage);
  return router;
}
