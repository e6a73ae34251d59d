import type { ConnectionOptions } from 'node:tls';
import { createTransport } from 'nodemailer';
import { addressOf } from './address.ts';
import { parseSmtpUrl } from './smtp-url.ts';
import { MailNotSent, type MailTransport, type OutgoingMail } from './transport.ts';

export interface SmtpTransportOptions {
  /** SMTP_URL: `smtp://user:pass@host:port` or `smtps://…`. */
  readonly url: string;
  /** MAIL_FROM: the From header and the envelope sender. */
  readonly from: string;
  /** How long to wait for the connection, the greeting, DNS, and each answer of the server. */
  readonly timeoutMs?: number;
  /** TLS settings beyond the defaults, such as the CA of a server with a private certificate. */
  readonly tls?: ConnectionOptions;
}

/**
 * A transport that hands each mail to an SMTP server, one connection a
 * mail. Every wait is bounded (10 s by default), so a server that stops
 * answering fails the attempt instead of holding it. smtp:// upgrades with
 * STARTTLS whenever the server offers it, and checks the certificate then.
 */
export function smtpTransport(options: SmtpTransportOptions): MailTransport {
  const endpoint = parseSmtpUrl(options.url);
  if ('problem' in endpoint) throw new Error(`SMTP_URL ${endpoint.problem}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const transporter = createTransport({
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    auth: endpoint.user ? { user: endpoint.user, pass: endpoint.pass ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    tls: options.tls,
    // Nodemailer's own logging stays off: its debug output carries the AUTH exchange.
    logger: false,
    debug: false,
  });
  const domain = addressOf(options.from).split('@')[1] ?? 'muster.invalid';
  const secrets = [endpoint.pass, endpoint.pass && encodeURIComponent(endpoint.pass)].filter(
    (s): s is string => Boolean(s),
  );
  return {
    target: endpoint.target,
    async send(mail: OutgoingMail, signal?: AbortSignal): Promise<void> {
      try {
        await transporter.sendMail({
          from: options.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: `<${mail.id}@${domain}>`,
          headers: { 'Auto-Submitted': 'auto-generated' },
          signal,
        });
      } catch (error) {
        throw new MailNotSent(describe(error, secrets));
      }
    },
    close: () => transporter.close(),
  };
}

interface SmtpError {
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly message?: string;
}

/**
 * The reason an attempt failed, fit to store in the outbox and show with
 * the invitation: the server's reply when it gave one (`451 4.3.0 try
 * later`), otherwise what went wrong with the connection. One line, at
 * most 500 characters, with the password cut out wherever it appears.
 */
function describe(error: unknown, secrets: readonly string[]): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SmtpError;
  const detail =
    e.responseCode && e.response
      ? `server answered ${e.response}`
      : `${e.message ?? String(error)}`.replace(/^Error: /, '');
  let text = `${e.code ? `${e.code}: ` : ''}${detail}`.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) text = text.split(secret).join('***');
  return text.slice(0, 500) || 'the mail could not be sent';
}
