import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateRsa = promisify(generateKeyPair);

/** A private key (PKCS#8) and a self-signed certificate for it, PEM. */
export interface CertifiedKeyPair {
  readonly privateKey: string;
  readonly certificate: string;
}

export interface KeyPairOptions {
  /** The certificate's subject CN (cut to the 64 characters X.509 allows). */
  readonly commonName: string;
  /** Ten years when unset: IdPs pin the certificate, so its end date is a forced re-import. */
  readonly validForDays?: number;
  readonly now?: Date;
}

/**
 * An RSA-2048 key and a self-signed certificate for it: a SAML connection's
 * signing or encryption key, or an OIDC connection's client key. Node makes
 * the key (off the main thread); it has no certificate builder, so
 * node-forge wraps the public key in one.
 */
export async function generateCertifiedKeyPair(options: KeyPairOptions): Promise<CertifiedKeyPair> {
  const { publicKey, privateKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const now = options.now ?? new Date();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial of 128 random bits (the leading 01 keeps the DER integer positive).
  cert.serialNumber = `01${randomBytes(16).toString('hex')}`;
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + (options.validForDays ?? 3650) * 86_400_000);
  const name = [{ name: 'commonName', value: options.commonName.slice(0, 64) }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { privateKey, certificate: forge.pki.certificateToPem(cert) };
}

/** The base64 body of a PEM certificate, as X509Certificate elements carry it. */
export function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

/** A certificate's base64 body as PEM, 64 characters a line: how Muster stores and shows certificates. */
export function certificatePem(base64: string): string {
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
