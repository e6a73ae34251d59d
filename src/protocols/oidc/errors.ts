import { type ErrorCode, MusterError } from '../../errors.ts';

/**
 * Every reason Muster refuses an OpenID Connect sign-in, with the error code
 * (and so the HTTP status) its page renders with. The reason is what the
 * audit event records.
 *
 * 400 for an answer that is not one (no state, no code); 401 when the answer
 * fails to prove who it is from or for; 403 when it holds but this person
 * may not sign in here; 502 when the IdP could not be reached or answered
 * wrongly; the IdP's own refusal (`error=`) is 401.
 */
export const oidcReasons = {
  oidc_state_missing: 'bad_request',
  oidc_state_unknown: 'unauthorized',
  oidc_browser_mismatch: 'unauthorized',
  oidc_idp_error: 'unauthorized',
  oidc_issuer_mismatch: 'unauthorized',
  oidc_code_rejected: 'unauthorized',
  oidc_id_token_invalid: 'unauthorized',
  oidc_userinfo_invalid: 'unauthorized',
  oidc_email_missing: 'forbidden',
  oidc_email_unverified: 'forbidden',
  oidc_email_outside_domains: 'forbidden',
  oidc_idp_unavailable: 'bad_gateway',
} as const satisfies Record<string, ErrorCode>;

export type OidcReason = keyof typeof oidcReasons;

/** A refused OIDC sign-in: a MusterError whose `reason` names the check that refused it. */
export class OidcError extends MusterError {
  readonly reason: OidcReason;

  constructor(reason: OidcReason, message: string, options?: { cause?: unknown }) {
    super(oidcReasons[reason], message, options);
    this.reason = reason;
  }
}

export function isOidcError(value: unknown): value is OidcError {
  return value instanceof OidcError;
}
