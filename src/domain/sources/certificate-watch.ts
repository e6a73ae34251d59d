import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { recordAudit, systemContext } from '../audit/index.ts';
import { summarizeCertificate } from './connection-certificates.ts';

/** How long before its end a certificate is announced. */
export const certificateWarningDays = 30;

type CertificateKind = 'idp_signing' | 'client';

interface Watched {
  readonly kind: CertificateKind;
  readonly pem: string;
}

function certificatesOf(protocol: string, settings: unknown): Watched[] {
  const s = (typeof settings === 'object' && settings !== null ? settings : {}) as Record<string, unknown>;
  if (protocol === 'saml' && Array.isArray(s.certificates))
    return s.certificates.filter((c) => typeof c === 'string').map((pem) => ({ kind: 'idp_signing', pem }));
  if (protocol === 'oidc' && typeof s.clientCertificate === 'string')
    return [{ kind: 'client', pem: s.clientCertificate }];
  return [];
}

/**
 * Announces, once per certificate, each connection certificate that ends
 * within 30 days (or has ended): the IdP's SAML signing certificates, which
 * an IdP rotates on its own schedule, and an OIDC connection's client
 * certificate. The announcement is an audit entry (the
 * `certificate.expiring` event, so webhooks carry it) and a flag in the
 * connection's health. Runs over every org, hourly.
 */
export async function warnExpiringCertificates(db: Db, now = new Date()): Promise<number> {
  const horizon = now.getTime() + certificateWarningDays * 86_400_000;
  let warned = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.connectionsForCertificateWatch(db, after, 200);
    for (const connection of page) {
      const health = (connection.health ?? {}) as Record<string, unknown>;
      const known = (health.certificatesExpiring ?? {}) as Record<string, unknown>;
      const current = certificatesOf(connection.protocol, connection.settings).map((c) => ({
        kind: c.kind,
        ...summarizeCertificate(c.pem),
      }));
      const expiring = current.filter((c) => c.notAfter.getTime() <= horizon && !(c.fingerprint in known));
      if (expiring.length === 0) continue;
      await db.transaction().execute(async (trx) => {
        // Certificates replaced since their warning leave the flag with it.
        const flags: Record<string, unknown> = Object.fromEntries(
          Object.entries(known).filter(([fingerprint]) => current.some((c) => c.fingerprint === fingerprint)),
        );
        for (const c of expiring) {
          const daysLeft = Math.floor((c.notAfter.getTime() - now.getTime()) / 86_400_000);
          flags[c.fingerprint] = { kind: c.kind, notAfter: c.notAfter, warnedAt: now };
          await recordAudit(trx, systemContext, connection.org_id, {
            action: 'connection.certificate_expiring',
            target: { type: 'connection', id: connection.id },
            after: {
              connectionId: connection.id,
              kind: c.kind,
              fingerprint: c.fingerprint,
              notAfter: c.notAfter,
              daysLeft,
            },
          });
        }
        await store.mergeConnectionHealth(trx, connection.org_id, connection.id, {
          certificatesExpiring: flags,
        });
      });
      warned += expiring.length;
    }
    if (page.length < 200) return warned;
    after = page.at(-1)?.id;
  }
}
