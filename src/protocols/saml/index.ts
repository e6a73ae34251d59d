export { type AuthnRequestOptions, buildAuthnRequest, type SamlAuthnRequest } from './authn-request.ts';
export { isSamlError, SamlError, type SamlReason, samlReasons } from './errors.ts';
export { type IdpMetadata, parseIdpMetadata } from './idp-metadata.ts';
export { generateSamlKeyPair, generateSpKeys, type KeyPairOptions } from './keys.ts';
export { nameIdFormats } from './names.ts';
export { effectivePreset, type SamlPreset, samlPresets } from './presets.ts';
export { type ValidateSamlResponseInput, validateSamlResponse } from './response.ts';
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
