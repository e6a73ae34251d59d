import { X509Certificate } from 'node:crypto';
import { MusterError } from '../../errors.ts';
import { certificatePem, pemBody } from '../../infra/crypto/index.ts';

/** What admins and audit events see of a certificate: which one it is and when it ends. */
export interface CertificateSummary {
  /** SHA-256 of the DER, as colon-separated hex: what IdP consoles show. */
  readonly fingerprint: string;
  readonly notAfter: Date;
}

export const maxCertificates = 10;

/**
 * A certificate as stored: PEM with 64-character lines. Takes PEM or the
 * bare base64 body IdP consoles often show; undefined when it does not parse.
 */
export function normalizeCertificate(text: string): string | undefined {
  const body = pemBody(text);
  if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  try {
    new X509Certificate(Buffer.from(body, 'base64'));
  } catch {
    return undefined;
  }
  return certificatePem(body);
}

/** The certificates of a request, normalized, or a 400 naming the one that does not parse. */
export function readCertificates(inputs: readonly string[], path: string): string[] {
  if (inputs.length === 0 || inputs.length > maxCertificates)
    throw new MusterError('validation_failed', 'The request body is not valid', {
      details: [{ path, message: `give 1 to ${maxCertificates} certificates` }],
    });
  const out: string[] = [];
  for (const [i, input] of inputs.entries()) {
    const pem = normalizeCertificate(input);
    if (!pem)
      throw new MusterError('validation_failed', 'The request body is not valid', {
        details: [{ path: `${path}.${i}`, message: 'is not an X.509 certificate in PEM or base64' }],
      });
    if (!out.includes(pem)) out.push(pem);
  }
  return out;
}

export function summarizeCertificate(pem: string): CertificateSummary {
  const cert = new X509Certificate(pem);
  return { fingerprint: cert.fingerprint256, notAfter: new Date(cert.validTo) };
}
