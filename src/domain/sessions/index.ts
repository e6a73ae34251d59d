export { endIdpSessions, idpSessionOf } from './idp-logout.ts';
export { type KeyPurpose, keyRotationMs, type Signer, SigningKeys, type SigningKeysOptions } from './keys.ts';
export { type SessionProfile, sessionProfile } from './profile.ts';
export {
  type AuthenticatedSession,
  type AuthenticateOptions,
  authenticateSession,
  endSession,
  renewSessionToken,
  revokeUserSessions,
  SessionRejected,
  type SessionRejection,
  type SessionRevocation,
  type SessionStart,
  type StartedSession,
  startSession,
} from './sessions.ts';
export {
  defaultSessionTokenTtlSeconds,
  defaultSessionTtlSeconds,
  type SessionSettings,
  sessionSettings,
} from './settings.ts';
export { type IssuedToken, looksLikeJwt, type SessionClaims } from './token.ts';
