/** A mail as a transport hands it on: both parts, plain text and HTML. */
export interface OutgoingMail {
  /** The outbox row's id: the Message-ID is made from it, so a mail sent twice reads as one. */
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Where mail goes: an SMTP server, or the log when none is configured. */
export interface MailTransport {
  /** What the transport delivers to, without credentials: `smtp://host:port`, `smtps://host:port` or `log`. */
  readonly target: string;
  /**
   * Hands one mail on; resolves once the server accepted it. Throws
   * MailNotSent when it did not, with a reason safe to store and show.
   */
  send(mail: OutgoingMail, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/** A mail the transport could not hand on; the message is short, one line, and holds no credentials. */
export class MailNotSent extends Error {
  override readonly name = 'MailNotSent';
}
