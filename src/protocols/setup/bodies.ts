/** The admin API's answers, as the portal reads them (dates as ISO strings). */

export interface DomainBody {
  readonly domain: string;
  readonly verified: boolean;
  readonly verifiedAt: string | null;
  readonly verification: { readonly name: string; readonly type: string; readonly value: string };
}

export interface ConnectionBody {
  readonly id: string;
  readonly protocol: 'saml' | 'oidc';
  readonly provider: string;
  readonly domains: readonly DomainBody[];
  readonly spEntityId: string | null;
  readonly acsUrl: string | null;
  readonly spMetadataUrl: string | null;
  readonly redirectUri: string | null;
  readonly saml?: {
    readonly entityId: string;
    readonly ssoUrl: string;
    readonly certificates: readonly { readonly fingerprint: string; readonly notAfter: string }[];
    readonly nameIdFormat: string | null;
  };
  readonly oidc?: { readonly issuer: string; readonly clientId: string };
  readonly metadata: { readonly url: string | null };
}

export interface DirectoryBody {
  readonly id: string;
  readonly name: string;
  readonly provider: string;
  readonly scimBaseUrl: string;
  readonly userCount: number;
  readonly groupCount: number;
}

export interface CreatedDirectoryBody extends DirectoryBody {
  readonly token: string;
  readonly tokenId: string;
}

export interface DirectoryTokenBody {
  readonly id: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface ScimRequestBody {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType: string | null;
  readonly summary: unknown;
  readonly createdAt: string;
}
