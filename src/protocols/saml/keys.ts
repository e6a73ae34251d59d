import {
  type CertifiedKeyPair,
  generateCertifiedKeyPair,
  type KeyPairOptions,
} from '../../infra/crypto/index.ts';
import type { SamlKeyPair } from './types.ts';

export type { KeyPairOptions };

/** An RSA-2048 key and a self-signed certificate: a SAML connection's signing or encryption key. */
export const generateSamlKeyPair: (options: KeyPairOptions) => Promise<SamlKeyPair & CertifiedKeyPair> =
  generateCertifiedKeyPair;

/** A connection's two key pairs: one signs AuthnRequests, the other decrypts assertions. */
export async function generateSpKeys(
  entityId: string,
): Promise<{ signing: SamlKeyPair; encryption: SamlKeyPair }> {
  const [signing, encryption] = await Promise.all([
    generateSamlKeyPair({ commonName: `${entityId} signing` }),
    generateSamlKeyPair({ commonName: `${entityId} encryption` }),
  ]);
  return { signing, encryption };
}
