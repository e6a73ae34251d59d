import { newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';

/** A mail as Muster writes it: both parts, plain text and HTML. */
export interface Mail {
  readonly orgId: string;
  /** invitation, invitation_reminder, password_reset, invitation_request. */
  readonly kind: string;
  /** What it is about (an invitation, a user): its delivery status is read by it. */
  readonly subjectId: string | null;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Queues a mail in the caller's transaction: it exists exactly when the
 * change that sends it commits, and the mail worker sends it after.
 */
export async function queueMail(trx: Db, mail: Mail): Promise<string> {
  const id = newId();
  await store.insertMail(trx, {
    id,
    org_id: mail.orgId,
    kind: mail.kind,
    subject_id: mail.subjectId,
    to_address: mail.to,
    subject: mail.subject,
    text_body: mail.text,
    html_body: mail.html,
  });
  return id;
}

/** Text made safe for an HTML mail part. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
