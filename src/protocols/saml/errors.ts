import { type ErrorCode, MusterError } from '../../errors.ts';

/**
 * Every reason Muster refuses a SAML message or metadata, with the error
 * code (and so the HTTP status) it renders as. The reason is what an audit
 * event records and support searches for; the code is what a browser sees.
 *
 * 401 for messages that fail to prove who signed them or for whom they are;
 * 403 when the proof holds but the person may not sign in through this
 * connection; 400 for what is not a SAML message at all; 413 before any
 * XML work when the message is too large.
 */
export const samlReasons = {
  saml_too_large: 'payload_too_large',
  saml_malformed: 'bad_request',
  saml_doctype_refused: 'bad_request',
  saml_metadata_invalid: 'bad_request',
  saml_status_not_success: 'unauthorized',
  saml_no_assertion: 'unauthorized',
  saml_unsigned: 'unauthorized',
  saml_bad_signature: 'unauthorized',
  saml_wrapped_assertion: 'unauthorized',
  saml_multiple_assertions: 'unauthorized',
  saml_sha1_refused: 'unauthorized',
  saml_decryption_failed: 'unauthorized',
  saml_issuer_mismatch: 'unauthorized',
  saml_destination_mismatch: 'unauthorized',
  saml_recipient_mismatch: 'unauthorized',
  saml_audience_mismatch: 'unauthorized',
  saml_no_bearer_confirmation: 'unauthorized',
  saml_not_yet_valid: 'unauthorized',
  saml_expired: 'unauthorized',
  saml_unsolicited: 'unauthorized',
  saml_unknown_request: 'unauthorized',
  saml_replayed: 'unauthorized',
  saml_logout_invalid: 'bad_request',
  saml_logout_unavailable: 'bad_request',
  saml_no_email: 'forbidden',
  saml_email_outside_domains: 'forbidden',
} as const satisfies Record<string, ErrorCode>;

export type SamlReason = keyof typeof samlReasons;

/** A refused SAML message: a MusterError whose `reason` names the check that refused it. */
export class SamlError extends MusterError {
  readonly reason: SamlReason;

  constructor(reason: SamlReason, message: string, options?: { cause?: unknown }) {
    super(samlReasons[reason], message, options);
    this.reason = reason;
  }
}

/** Whether a value is a refused SAML message (and so carries a reason). */
export function isSamlError(value: unknown): value is SamlError {
  return value instanceof SamlError;
}

/** Values from a message, quoted in an error without letting a sender fill the log. */
export function quote(value: string | null | undefined): string {
  if (value === null || value === undefined) return '(none)';
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}
