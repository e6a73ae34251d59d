import { newId } from '../../infra/ids/index.ts';
import { MailNotSent, type MailTransport } from '../../infra/mail/index.ts';
import type { Db, MailRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { ClaimLoop, type ClaimRequest, withDefaults } from '../jobs/index.ts';

export interface MailDispatcherOptions {
  /** Where mail goes: an SMTP server, or the log. */
  readonly transport: MailTransport;
  /** How long a mail stays claimed by a process (a dead process's, this long); a send gets half of it. */
  readonly leaseSeconds?: number;
  /** How often an idle dispatcher looks for mail to send. */
  readonly pollMs?: number;
  /** Mails sent at once. */
  readonly concurrency?: number;
  /** The first retry's delay; each next one doubles. */
  readonly retryBaseMs?: number;
  /** Attempts before a mail is given up (stays failed, never tried again). */
  readonly maxAttempts?: number;
  /** Sends only this org's mail: for tests that share a database, and one-off runs for one tenant. */
  readonly orgId?: string;
  /** Something went wrong outside a send: the database, or a bug. */
  readonly onError?: (error: unknown) => void;
  /** An attempt failed: to be retried at `retryAt`, or given up when it is null. */
  readonly onFailed?: (failure: MailFailure) => void;
}

export interface MailFailure {
  readonly mailId: string;
  readonly orgId: string;
  readonly kind: string;
  readonly attempts: number;
  readonly error: string;
  readonly retryAt: Date | null;
}

const defaults = {
  leaseSeconds: 60,
  pollMs: 1000,
  concurrency: 4,
  retryBaseMs: 30_000,
  maxAttempts: 8,
};

/**
 * Sends the mail outbox. Each due mail is claimed under a lease of its
 * own, handed to the transport and settled under that lease: sent, or
 * failed with its error and a retry after a delay that doubles with each
 * attempt (30 s, 1 min, 2 min, … by default), until `maxAttempts` is
 * spent and the mail is given up. A process that dies between the
 * server's acceptance and the settling leaves the mail to be sent again
 * once the lease runs out: at least once, never lost. The Message-ID is
 * the same each time, so the copy reads as one mail.
 *
 * `start` sends until stopped, looking for due mail every `pollMs`;
 * `stop` finishes the sends in hand and settles them; `abandon` stops at
 * once, as a crash would: sends in flight are cut, and nothing more is
 * settled. `drain` sends (one org's mail, if given) until nothing is due,
 * for tests and one-off runs, and returns the attempts made.
 */
export class MailDispatcher extends ClaimLoop<MailRow> {
  readonly #db: Db;
  readonly #options: MailDispatcherOptions & typeof defaults;

  constructor(db: Db, options: MailDispatcherOptions) {
    const merged = withDefaults(defaults, options);
    super(`mail-${newId()}`, merged);
    this.#db = db;
    this.#options = merged;
  }

  protected override claim(lease: string, request: ClaimRequest): Promise<MailRow[]> {
    return store.claimDueMail(this.#db, lease, { ...request, orgId: request.orgId ?? this.#options.orgId });
  }

  /** Claimed as the dispatcher was told to stop: let go untried, for the next process. */
  protected override async release(row: MailRow): Promise<void> {
    if (!this.signal.aborted) await store.releaseMail(this.#db, row.id, row.locked_by ?? '');
  }

  /** One attempt at one claimed mail, settled under its lease. */
  protected override async work(row: MailRow): Promise<void> {
    const lease = row.locked_by ?? '';
    // A send takes at most half the lease, so it settles before another process may claim the mail.
    const signal = AbortSignal.any([
      this.signal,
      AbortSignal.timeout((this.#options.leaseSeconds * 1000) / 2),
    ]);
    let error: string | undefined;
    try {
      await this.#options.transport.send(
        { id: row.id, to: row.to_address, subject: row.subject, text: row.text_body, html: row.html_body },
        signal,
      );
    } catch (thrown) {
      if (this.signal.aborted) return;
      if (thrown instanceof MailNotSent) error = thrown.message;
      else {
        this.#options.onError?.(thrown);
        error = 'the mail could not be sent (internal error)';
      }
    }
    if (this.signal.aborted) return;
    if (error === undefined) {
      await store.markMailSent(this.#db, row.id, lease);
      return;
    }
    const o = this.#options;
    const attempts = row.attempts + 1;
    const delay = o.retryBaseMs * 2 ** (attempts - 1) * (0.9 + Math.random() * 0.2);
    const retryAt = attempts >= o.maxAttempts ? null : new Date(Date.now() + delay);
    const held = await store.markMailFailed(this.#db, row.id, lease, { error, retryAt });
    if (held) o.onFailed?.({ mailId: row.id, orgId: row.org_id, kind: row.kind, attempts, error, retryAt });
  }
}
