import { isIPv4, isIPv6 } from 'node:net';
import { rateLimited } from '../../errors.ts';
import { hashSecret } from '../../infra/crypto/index.ts';
import type { Db, ThrottlePolicy, ThrottleSubject } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';

/**
 * The sign-in throttle, in PostgreSQL so every Muster process counts the
 * same failures. An attempt is counted when it starts (so a burst of
 * parallel guesses is counted whole) and taken back when it succeeds.
 *
 * - per account (the lowercased email, whether or not an account has it):
 *   5 failures, then 30 s, 60 s, 2 min, … up to 15 min per further failure;
 * - per client address (an IPv6 client is its /64): 20 failures, then the
 *   same backoff, for password spraying across accounts;
 * - reset links asked per client address: 10 an hour, then 1 min, 2 min, …
 *   up to an hour.
 *
 * Failures are forgotten after a day without one (reset requests: an hour).
 */
export const throttlePolicies = {
  account: { threshold: 5, baseSeconds: 30, capSeconds: 15 * 60, windowSeconds: 24 * 3600 },
  ip: { threshold: 20, baseSeconds: 30, capSeconds: 15 * 60, windowSeconds: 24 * 3600 },
  reset: { threshold: 10, baseSeconds: 60, capSeconds: 3600, windowSeconds: 3600 },
} as const satisfies Record<ThrottleSubject['scope'], ThrottlePolicy>;

/** A client address as the throttle counts it: IPv4 (unwrapped from IPv6), or an IPv6 /64. */
export function clientOf(ip: string): string {
  const bare = ip.replace(/^::ffff:/i, '');
  if (isIPv4(bare)) return bare;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export function accountSubject(email: string): ThrottleSubject {
  return { scope: 'account', hash: hashSecret(`account:${email.toLowerCase()}`) };
}

export function clientSubject(scope: 'ip' | 'reset', ip: string): ThrottleSubject {
  return { scope, hash: hashSecret(`${scope}:${clientOf(ip)}`) };
}

const secondsUntil = (at: Date) => Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000));

/** Refuses (429, with Retry-After) while any of the subjects is locked. */
export async function refuseWhileLocked(
  db: Db,
  subjects: readonly ThrottleSubject[],
  message: string,
): Promise<void> {
  const locks = await store.lockedThrottles(db, subjects);
  const until = Math.max(0, ...locks.map((l) => l.locked_until?.getTime() ?? 0));
  if (until > Date.now()) throw rateLimited(message, secondsUntil(new Date(until)));
}

/** Counts an attempt against a subject; when this one locked it, the lock's end. */
export async function countAttempt(
  db: Db,
  subject: ThrottleSubject,
): Promise<{ failures: number; lockedUntil: Date | null }> {
  const row = await store.countThrottleFailure(db, subject, throttlePolicies[subject.scope]);
  const locked = row.locked_until && row.locked_until.getTime() > Date.now() ? row.locked_until : null;
  return { failures: row.failures, lockedUntil: locked };
}

/** Takes back an attempt that was no failure. */
export function forgiveAttempt(db: Db, subject: ThrottleSubject): Promise<void> {
  return store.forgiveThrottleFailure(db, subject, throttlePolicies[subject.scope].threshold);
}

/** Forgets an account's failures (it signed in, or its password was reset). */
export function clearAccountFailures(db: Db, email: string): Promise<void> {
  return store.clearThrottle(db, accountSubject(email));
}

export { secondsUntil };
