import type { LoginBinding } from '../../http/index.ts';

/**
 * The SAML response is a cross-site POST: the binding cookie must be
 * SameSite=None, which browsers accept only with Secure, so the binding
 * holds where PUBLIC_URL is https (in production it must be).
 */
export function bindsBrowser(publicUrl: string): boolean {
  return publicUrl.startsWith('https:');
}

export const samlBinding: LoginBinding = { path: '/sso/saml', sameSite: 'none', secure: true };
