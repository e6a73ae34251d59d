/** The IdP products Muster has presets for; `generic` is any other SAML 2.0 IdP. */
export type SamlProvider = 'entra' | 'okta' | 'jumpcloud' | 'keycloak' | 'generic';

/** A PEM private key (PKCS#8) and its self-signed PEM certificate. */
export interface SamlKeyPair {
  readonly privateKey: string;
  readonly certificate: string;
}

/** Attribute names a connection reads instead of its preset's. */
export interface SamlAttributeMapping {
  readonly email?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly displayName?: string;
}

/** The IdP as Muster knows it: from its metadata, or entered by hand. */
export interface SamlIdentityProvider {
  /** The Issuer every response and assertion must carry. */
  readonly entityId: string;
  /** Where AuthnRequests go (HTTP-Redirect binding). */
  readonly ssoUrl: string;
  /**
   * Where LogoutRequests and LogoutResponses go (HTTP-Redirect binding);
   * unset or null when the IdP offers no Single Logout (metadata says null).
   */
  readonly sloUrl?: string | null;
  /** PEM certificates; any one may sign, so a new one can be added before the old one goes. */
  readonly certificates: readonly string[];
}

/** Muster's side of one connection. */
export interface SamlServiceProvider {
  /** The Audience assertions must name, and the Issuer of AuthnRequests. */
  readonly entityId: string;
  /** The ACS: Destination and bearer Recipient must equal it exactly. */
  readonly acsUrl: string;
  /** Single Logout endpoint, published in metadata when set. */
  readonly sloUrl?: string;
  readonly signing: SamlKeyPair;
  readonly encryption: SamlKeyPair;
}

/**
 * One SAML connection: everything the protocol needs to sign a request and
 * judge a response, with no storage behind it. Each relaxation is a named
 * setting that is off unless set.
 */
export interface SamlConnection {
  readonly id: string;
  readonly provider: SamlProvider;
  readonly idp: SamlIdentityProvider;
  readonly sp: SamlServiceProvider;
  /** Email domains this connection may sign people in for (exact match, any case). */
  readonly emailDomains: readonly string[];
  readonly attributeMapping?: SamlAttributeMapping;
  /** The attribute whose values are the person's groups, instead of the preset's. */
  readonly groupsAttribute?: string;
  /** The NameID format requested and published, instead of the preset's. */
  readonly nameIdFormat?: string;
  /** Accept responses no AuthnRequest asked for (IdP-initiated sign-in). */
  readonly allowIdpInitiated?: boolean;
  /** Accept RSA-SHA1 signatures and SHA-1 digests, for IdPs that cannot do better. */
  readonly allowSha1Signatures?: boolean;
  /** Accept an unsigned assertion when the response around it is signed (Keycloak's default). */
  readonly allowUnsignedAssertions?: boolean;
  /** How far the IdP's clock may be from Muster's; 60 when unset. */
  readonly clockSkewSeconds?: number;
}

/**
 * Single use of AuthnRequest ids and of assertion ids. Both answer false
 * when the id is already used, or (for requests) was never issued for this
 * connection. The implementation must be atomic across processes.
 */
export interface SamlReplayStore {
  consumeRequest(requestId: string, connectionId: string): Promise<boolean>;
  rememberAssertion(assertionId: string, connectionId: string, notOnOrAfter: Date): Promise<boolean>;
}

/** The signed-in person, as the IdP asserted them. */
export interface SamlClaims {
  readonly nameId: string;
  readonly nameIdFormat: string | null;
  /** Checked against the connection's domains. */
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly displayName: string | null;
  readonly groups: readonly string[];
  /** The IdP left groups out (Entra's overage claim): the list is not the whole membership. */
  readonly groupsTruncated: boolean;
  readonly sessionIndex: string | null;
  readonly assertionId: string;
  /** The AuthnRequest id answered; null for an IdP-initiated sign-in. */
  readonly inResponseTo: string | null;
  readonly issuer: string;
  /** When the assertion stops being valid (before clock skew). */
  readonly notOnOrAfter: Date;
  /** Every attribute by name, for support and for mappings on other attributes. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}
