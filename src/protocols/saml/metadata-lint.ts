import type { SamlProvider } from './types.ts';

/** What a lint of IdP metadata found; `error`s stop activation, `warning`s are shown. */
export interface MetadataFinding {
  readonly severity: 'error' | 'warning';
  readonly code:
    | 'unreadable'
    | 'not_idp_metadata'
    | 'certificate_expired'
    | 'certificate_expiring'
    | 'no_signing_certificate'
    | 'wrong_binding'
    | 'entity_id_mismatch'
    | 'nameid_format';
  readonly message: string;
}

export interface MetadataExpectations {
  /** Muster's SP entity id for the connection: metadata naming it is the SP's own, not the IdP's. */
  readonly spEntityId: string;
  /** The IdP entity id the connection has now, when it has one: new metadata naming another is flagged. */
  readonly idpEntityId?: string | undefined;
  readonly provider: SamlProvider;
  /** Certificates ending within 30 days of this are flagged; defaults to now. */
  readonly now?: Date | undefined;
}

/** Not built yet: finds nothing. */
export function lintIdpMetadata(_xml: string, _expect: MetadataExpectations): MetadataFinding[] {
  return [];
}
