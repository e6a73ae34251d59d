import type { RequestHandler } from 'express';
import { authenticateApiKey, looksLikeApiKey } from '../../domain/orgs/index.ts';
import { MusterError } from '../../errors.ts';
import { constantTimeEqual } from '../../infra/crypto/index.ts';
import type { Db } from '../../storage/index.ts';
import { type Principal, stateOf } from './context.ts';

/** The token of an `Authorization: Bearer …` header, if it is one. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}

/** 401 unless the request carries ADMIN_TOKEN or a live org API key. */
export function requireAdminCredentials(db: Db, adminToken: string): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="muster"');
      throw new MusterError('unauthorized', 'Send an API key or the admin token as a Bearer token');
    }
    let principal: Principal | undefined;
    if (looksLikeApiKey(token)) {
      const key = await authenticateApiKey(db, token);
      if (key) principal = { kind: 'api_key', orgId: key.orgId, keyId: key.keyId };
    } else if (constantTimeEqual(token, adminToken)) {
      principal = { kind: 'super_admin' };
    }
    if (!principal) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="muster", error="invalid_token"');
      throw new MusterError('unauthorized', 'The credentials are not valid');
    }
    stateOf(res).principal = principal;
    next();
  };
}
