import type { Logger } from '../log/index.ts';
import type { MailTransport, OutgoingMail } from './transport.ts';

/**
 * The transport of an install without SMTP_URL: each mail is written to
 * the log at info and counts as sent. The text part goes in whole, links
 * and all, on purpose: on a fresh install the log (with the mail_outbox
 * table) is where the operator reads an invitation to pass its link on.
 * The HTML part says the same and is left out.
 */
export function logTransport(logger: Logger): MailTransport {
  return {
    target: 'log',
    async send(mail: OutgoingMail): Promise<void> {
      logger.info(`mail (not sent: SMTP_URL is unset): ${mail.subject}`, {
        mailId: mail.id,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
      });
    },
    close: () => {},
  };
}
