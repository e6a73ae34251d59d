import { certificateWarningDays } from './certificate-watch.ts';
import { type CertificateSummary, summarizeCertificate } from './connection-certificates.ts';
import type { Connection } from './connection-view.ts';

const day = 86_400_000;

/** A certificate of a connection and how long it has left, as admins are shown it. */
export interface CertificateStatus extends CertificateSummary {
  /** `idp_signing`: a SAML IdP's signing certificate. `client`: an OIDC connection's client key. */
  readonly kind: 'idp_signing' | 'client';
  /** Whole days until it ends; negative once it has. */
  readonly daysLeft: number;
  /** Still valid, but ends within the warning period (30 days), when the certificate watch announces it. */
  readonly expiring: boolean;
  readonly expired: boolean;
}

/**
 * Every certificate the connection depends on, with the same 30-day horizon
 * the certificate watch warns at, so the page and the warning agree.
 */
export function certificateStatuses(
  connection: Pick<Connection, 'saml' | 'oidc'>,
  now: Date = new Date(),
): CertificateStatus[] {
  const pems = [
    ...(connection.saml?.certificates ?? []).map((pem) => ({ kind: 'idp_signing' as const, pem })),
    ...(connection.oidc?.clientCertificate
      ? [{ kind: 'client' as const, pem: connection.oidc.clientCertificate }]
      : []),
  ];
  return pems.map(({ kind, pem }) => {
    const summary = summarizeCertificate(pem);
    const left = summary.notAfter.getTime() - now.getTime();
    const expired = left <= 0;
    return {
      kind,
      ...summary,
      daysLeft: Math.floor(left / day),
      expiring: !expired && left <= certificateWarningDays * day,
      expired,
    };
  });
}
