import type { RequestHandler } from 'express';
import { z } from 'zod';
import { sessionProfile } from '../../domain/sessions/index.ts';
import { MusterError } from '../../errors.ts';
import { type SessionHttpDeps, sessionOf } from './authenticate.ts';

/** GET /api/v1/me: the signed-in user, their org, role and teams. */
export const meResponse = z.strictObject({
  user: z.strictObject({
    id: z.string(),
    email: z.string(),
    givenName: z.string().nullable(),
    familyName: z.string().nullable(),
    displayName: z.string().nullable(),
  }),
  org: z.strictObject({ id: z.string(), name: z.string(), slug: z.string() }),
  role: z.enum(['owner', 'admin', 'member']),
  teams: z.array(z.strictObject({ id: z.string(), slug: z.string(), name: z.string() })),
});

export function meHandler(deps: SessionHttpDeps): RequestHandler {
  return async (_req, res) => {
    const session = sessionOf(res);
    if (!session) throw new MusterError('unauthorized', 'Sign in first');
    const profile = await sessionProfile(deps.db, session);
    // Personal data: no cache, shared or private, keeps it.
    res.setHeader('Cache-Control', 'no-store');
    res.json(meResponse.parse(profile));
  };
}
