import type { Response } from 'express';
import { MusterError } from '../../errors.ts';
import type { SignInFlows } from './sign-in.ts';

/**
 * Not built yet. Starts a test sign-in through a connection: a real
 * round trip to the IdP whose answer is checked as any sign-in's, then
 * recorded (latestTestSignIns) instead of provisioning anyone or starting
 * a session; the browser comes back to `returnTo` (a path of Muster's own).
 */
export async function startTestSignIn(
  _flows: SignInFlows,
  _res: Response,
  _connectionId: string,
  _returnTo: string,
): Promise<void> {
  throw new MusterError('not_found', 'Test sign-in is not available yet');
}
