export type OidcProvider = 'entra' | 'okta' | 'jumpcloud' | 'keycloak' | 'generic';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** A private key and its certificate, PEM. */
export interface OidcKeyPair {
  readonly privateKey: string;
  readonly certificate: string;
}

/** One OIDC connection as the protocol needs it. */
export interface OidcConnection {
  readonly id: string;
  readonly provider: OidcProvider;
  /** Exactly as the ID token's `iss` carries it. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientAuth:
    | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly secret: string }
    | { readonly method: 'private_key_jwt'; readonly key: OidcKeyPair };
  readonly redirectUri: string;
  /** Replaces the preset's scopes when set. */
  readonly scopes?: readonly string[] | undefined;
  /** Exact, lowercase: an email must be at one of these. */
  readonly emailDomains: readonly string[];
  readonly attributeMapping?:
    | {
        readonly email?: string | undefined;
        readonly firstName?: string | undefined;
        readonly lastName?: string | undefined;
        readonly displayName?: string | undefined;
      }
    | undefined;
  readonly groupsAttribute?: string | undefined;
  readonly clockSkewSeconds: number;
}

/** Who signed in, as the ID token and userinfo say. */
export interface OidcClaims {
  readonly subject: string;
  /** Lowercase; verified, and at one of the connection's domains. */
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly displayName: string | null;
  readonly groups: readonly string[];
  /** The IdP left groups out (Entra's overage): the list is not the whole. */
  readonly groupsTruncated: boolean;
}

/** Who signed in, and every claim of the ID token and userinfo as text (nonce and token hashes left out). */
export interface OidcAnswer extends OidcClaims {
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}
