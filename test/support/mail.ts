import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import {
  type Mail,
  MailDispatcher,
  type MailDispatcherOptions,
  queueMail,
} from '../../src/domain/mail/index.ts';
import type { MailTransport } from '../../src/infra/mail/index.ts';
import type { Db, MailRow } from '../../src/storage/index.ts';

/** One message the server took, parsed by mailparser, with its SMTP envelope. */
export interface ReceivedMail {
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  /** The user the client signed in as, when it did. */
  readonly user: string | undefined;
  readonly raw: string;
  readonly parsed: ParsedMail;
}

/** What the server answers the n-th message (1-based): accept it, or refuse it with an SMTP reply. */
export type Answer = 'accept' | { readonly code: number; readonly message: string };

export interface CatcherOptions {
  /** Credentials the server requires (AUTH PLAIN/LOGIN, allowed without TLS for the test). */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** A certificate to serve TLS from the first byte with (smtps://). */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** How long the server waits before it answers a message's DATA. */
  readonly latencyMs?: number;
}

/**
 * A real SMTP server (the `smtp-server` package) in the test process.
 * Every message it accepts is parsed with `mailparser`. It can refuse
 * messages with a reply of the test's choosing, go down (connections
 * refused) and come back on the same port.
 */
export class SmtpCatcher {
  readonly received: ReceivedMail[] = [];
  /** Messages offered, accepted or not. */
  offered = 0;
  /** Connections that ended in an error on the server's side. */
  readonly errors: Error[] = [];
  answer: (n: number) => Answer = () => 'accept';
  readonly #options: CatcherOptions;
  #server: SMTPServer | undefined;
  #port = 0;
  #waiters: (() => void)[] = [];

  private constructor(options: CatcherOptions) {
    this.#options = options;
  }

  static async start(options: CatcherOptions = {}): Promise<SmtpCatcher> {
    const catcher = new SmtpCatcher(options);
    await catcher.up();
    return catcher;
  }

  get port(): number {
    return this.#port;
  }

  /** SMTP_URL for this server, with the given credentials. */
  url(credentials?: { user: string; pass: string }): string {
    const scheme = this.#options.tls ? 'smtps' : 'smtp';
    const userinfo = credentials
      ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@`
      : '';
    return `${scheme}://${userinfo}${this.#options.tls ? 'localhost' : '127.0.0.1'}:${this.#port}`;
  }

  /** Listens (again), on the port it had if it had one. */
  async up(): Promise<void> {
    if (this.#server) return;
    const auth = this.#options.auth;
    const options: SMTPServerOptions = {
      logger: false,
      disableReverseLookup: true,
      // Plain connections stay plain: STARTTLS would need a certificate the client trusts.
      hideSTARTTLS: true,
      ...(this.#options.tls
        ? { secure: true, key: this.#options.tls.key, cert: this.#options.tls.cert }
        : {}),
      ...(auth
        ? {
            allowInsecureAuth: true,
            onAuth: (login, _session, callback) =>
              login.username === auth.user && login.password === auth.pass
                ? callback(null, { user: login.username })
                : callback(
                    Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }),
                  ),
          }
        : { authOptional: true }),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.offered += 1;
          const answer = this.answer(this.offered);
          const raw = Buffer.concat(chunks).toString('utf8');
          const settle = async () => {
            if (answer !== 'accept') {
              callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
              return;
            }
            const parsed = await simpleParser(raw);
            this.received.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              user: typeof session.user === 'string' ? session.user : undefined,
              raw,
              parsed,
            });
            callback(null);
            for (const wake of this.#waiters.splice(0)) wake();
          };
          setTimeout(() => void settle(), this.#options.latencyMs ?? 0);
        });
      },
    };
    const server = new SMTPServer(options);
    // Clients that give up (a refused certificate, a cut send) are the tests' to cause, not failures.
    server.on('error', (error: Error) => this.errors.push(error));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening and cuts open connections: clients are refused until `up()`. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    for (const connection of server.connections) connection.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.down();
  }

  /** Waits until the messages received satisfy the predicate (5 s at most). */
  async until(predicate: (received: readonly ReceivedMail[]) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.received.length} messages received`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** A mail as the invitation flow queues it: both parts, a link in each. */
export function sampleMail(orgId: string, overrides: Partial<Mail> = {}): Mail {
  const link = `https://muster.test/invite/${randomBytes(12).toString('base64url')}`;
  return {
    orgId,
    kind: 'invitation',
    subjectId: null,
    to: `${randomBytes(4).toString('hex')}@invitee.test`,
    subject: 'You are invited to Test Org',
    text: `Ada invited you to Test Org.\n\nAccept: ${link}\n`,
    html: `<p>Ada invited you to <b>Test Org</b>.</p><p><a href="${link}">Accept</a></p>`,
    ...overrides,
  };
}

/** Queues a mail in a transaction of its own, as a committed invitation leaves it. */
export function queued(db: Db, mail: Mail): Promise<string> {
  return db.transaction().execute((trx) => queueMail(trx, mail));
}

export function outboxRow(db: Db, id: string): Promise<MailRow> {
  return db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Makes a failed mail due now, instead of waiting out its retry delay. */
export async function dueNow(db: Db, id: string): Promise<void> {
  await db.updateTable('mail_outbox').set({ next_attempt_at: new Date() }).where('id', '=', id).execute();
}

/** A dispatcher quick for tests: it polls every 20 ms and retries after 50 ms, doubling. */
export function testMailDispatcher(
  db: Db,
  transport: MailTransport,
  options: Partial<Omit<MailDispatcherOptions, 'transport'>> = {},
): MailDispatcher {
  return new MailDispatcher(db, { transport, pollMs: 20, retryBaseMs: 50, ...options });
}
