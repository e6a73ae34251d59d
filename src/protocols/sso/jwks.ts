import type { RequestHandler } from 'express';
import type { SigningKeys } from '../../domain/sessions/index.ts';

/**
 * GET /.well-known/jwks.json: the public keys of every session token still
 * valid. A new key is published the moment it starts signing, so a verifier
 * that meets an unknown `kid` should fetch this again (jose's
 * createRemoteJWKSet does); caches may keep it for five minutes.
 */
export function jwksHandler(keys: SigningKeys): RequestHandler {
  return async (_req, res) => {
    const jwks = await keys.jwks();
    res.setHeader('Cache-Control', 'public, max-age=300');
    // Public keys: any page may read them, for verification in a browser.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.json(jwks);
  };
}
