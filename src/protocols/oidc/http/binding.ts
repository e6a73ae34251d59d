import type { LoginBinding } from '../../http/index.ts';

/** The IdP sends the browser back with a top-level GET: a SameSite=Lax cookie comes along, on http too. */
export const oidcBinding = (publicUrl: string): LoginBinding => ({
  path: '/sso/oidc',
  sameSite: 'lax',
  secure: publicUrl.startsWith('https:'),
});

/** The nonce and verifier are sealed to the sign-in they belong to. */
export const sealedFor = (connectionId: string, requestKey: string) =>
  `oidc login ${connectionId} ${requestKey}`;
