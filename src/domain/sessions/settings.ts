/** What sessions and their tokens are bound by. */
export interface SessionSettings {
  /** PUBLIC_URL: both the `iss` and the `aud` of every session token. */
  readonly issuer: string;
  /** SESSION_TTL_SECONDS: how long a session lasts from sign-in, renewals included. */
  readonly sessionTtlSeconds: number;
  /** SESSION_TOKEN_TTL_SECONDS: how long one token is valid, never past its session's end. */
  readonly tokenTtlSeconds: number;
}

export const defaultSessionTtlSeconds = 8 * 3600;
export const defaultSessionTokenTtlSeconds = 300;

export function sessionSettings(
  input: Pick<SessionSettings, 'issuer'> & Partial<SessionSettings>,
): SessionSettings {
  return {
    issuer: input.issuer,
    sessionTtlSeconds: input.sessionTtlSeconds ?? defaultSessionTtlSeconds,
    tokenTtlSeconds: input.tokenTtlSeconds ?? defaultSessionTokenTtlSeconds,
  };
}
