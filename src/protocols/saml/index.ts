export { type AuthnRequestOptions, buildAuthnRequest, type SamlAuthnRequest } from './authn-request.ts';
export { isSamlError, SamlError, type SamlReason, samlReasons } from './errors.ts';
export type { LoadedSamlConnection, SamlSignInDeps, SignedInPerson } from './http/ports.ts';
export { samlSignInRouter } from './http/router.ts';
export { startSamlLogout } from './http/slo.ts';
export { startSamlLogin } from './http/start.ts';
export { type IdpMetadata, parseIdpMetadata } from './idp-metadata.ts';
export { generateSamlKeyPair, generateSpKeys, type KeyPairOptions } from './keys.ts';
export {
  buildLogoutRequest,
  type IncomingLogoutRequest,
  type LogoutRequestOptions,
  type SamlLogoutRequest,
  type ValidatedLogoutRequest,
  type ValidateLogoutRequestOptions,
  validateLogoutRequest,
} from './logout-request.ts';
export {
  buildLogoutResponse,
  type IncomingLogoutResponse,
  type LogoutResponseOptions,
  type LogoutStatus,
  type ValidatedLogoutResponse,
  type ValidateLogoutResponseOptions,
  validateLogoutResponse,
} from './logout-response.ts';
export { lintIdpMetadata, type MetadataExpectations, type MetadataFinding } from './metadata-lint.ts';
export { metadataRefreshHandler, samlJobHandlers } from './metadata-refresh.ts';
export { type MetadataSource, maxMetadataBytes, readIdpMetadataUrl } from './metadata-url.ts';
export { nameIdFormats } from './names.ts';
export { effectivePreset, type SamlPreset, samlPresets } from './presets.ts';
export { type ValidateSamlResponseInput, validateSamlResponse } from './response.ts';
export { samlMetadataRouter } from './routes-metadata.ts';
export { buildSpMetadata } from './sp-metadata.ts';
export type {
  SamlAttributeMapping,
  SamlClaims,
  SamlConnection,
  SamlIdentityProvider,
  SamlKeyPair,
  SamlProvider,
  SamlReplayStore,
  SamlServiceProvider,
} from './types.ts';
