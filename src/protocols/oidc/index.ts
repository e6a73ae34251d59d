export { readOidcClaims } from './claims.ts';
export { clientJwks } from './client-key.ts';
export { IssuerCache } from './discovery.ts';
export { isOidcError, OidcError, type OidcReason, oidcReasons } from './errors.ts';
export type { OidcNetwork } from './fetch.ts';
export type { LoadedOidcConnection, OidcSignedInPerson, OidcSignInDeps } from './http/ports.ts';
export { oidcSignInRouter } from './http/router.ts';
export { startOidcLogin } from './http/start.ts';
export { type OidcPreset, oidcPresets } from './presets.ts';
export type {
  ClientAuthMethod,
  OidcAnswer,
  OidcClaims,
  OidcConnection,
  OidcKeyPair,
  OidcProvider,
} from './types.ts';
