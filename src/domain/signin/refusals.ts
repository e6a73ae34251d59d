import type { Db } from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';

/**
 * Anyone who knows a connection's id can post junk to its ACS or callback,
 * and each refusal is an audit event: past this many in a minute, a
 * connection's refusals are counted instead of written, and the next one
 * written says how many were left out. Per process; enough for an admin to
 * see every refusal a misconfigured IdP causes at sign-in pace.
 */
const perMinute = 100;
const windowMs = 60_000;

interface Window {
  startedAt: number;
  written: number;
  suppressed: number;
}

const windows = new Map<string, Window>();

/** Whether to write this refusal, and how many before it were left out. */
function admit(connectionId: string, now: number): { write: boolean; suppressed: number } {
  let w = windows.get(connectionId);
  if (!w || now - w.startedAt >= windowMs) {
    const carried = w?.suppressed ?? 0;
    if (windows.size >= 10_000) windows.clear();
    w = { startedAt: now, written: 0, suppressed: carried };
    windows.set(connectionId, w);
  }
  if (w.written >= perMinute) {
    w.suppressed += 1;
    return { write: false, suppressed: 0 };
  }
  w.written += 1;
  const suppressed = w.suppressed;
  w.suppressed = 0;
  return { write: true, suppressed };
}

/**
 * A sign-in refused before anyone was signed in, created or linked: the
 * org's admins see why (an attack, a misconfigured IdP) in the audit log.
 */
export async function recordRefusedSignIn(
  db: Db,
  ctx: ChangeContext,
  refusal: {
    readonly orgId: string;
    readonly connectionId: string;
    readonly reason: string;
    readonly message: string;
    readonly protocol: 'saml' | 'oidc';
  },
): Promise<void> {
  const { write, suppressed } = admit(refusal.connectionId, Date.now());
  if (!write) return;
  await recordAudit(db, ctx, refusal.orgId, {
    action: 'sso.sign_in_refused',
    target: { type: 'connection', id: refusal.connectionId },
    after: {
      reason: refusal.reason,
      message: refusal.message,
      protocol: refusal.protocol,
      ...(suppressed > 0 ? { refusalsNotRecorded: suppressed } : {}),
    },
  });
}
