import { MusterError } from '../../errors.ts';
import type { InvitationTag } from '../../storage/index.ts';

export const maxEmailsPerRequest = 500;
export const maxTags = 10;

/** Why one email of a request got no invitation. */
export type InviteErrorCode = 'invalid_email' | 'duplicate_in_request' | 'already_member' | 'already_invited';

export interface InviteError {
  readonly email: string;
  readonly code: InviteErrorCode;
  readonly message: string;
  /** For a CSV upload: the row (1 is the first after the header). */
  readonly row?: number;
}

const messages: Readonly<Record<InviteErrorCode, string>> = {
  invalid_email: 'is not an email address',
  duplicate_in_request: 'appears more than once in this request',
  already_member: 'is already a member of the org',
  already_invited: 'already has a pending invitation',
};

export function inviteError(email: string, code: InviteErrorCode, row?: number): InviteError {
  return { email, code, message: messages[code], ...(row === undefined ? {} : { row }) };
}

// One @, no spaces, a dotted domain of letters, digits and hyphens: what mail servers route.
const emailPattern =
  /^[^\s@"<>()[\]\\,;:]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function normalizeEmail(value: string): string | undefined {
  const email = value.trim().toLowerCase();
  return email.length <= 320 && emailPattern.test(email) ? email : undefined;
}

/** Emails as given: an array, or one string separated by commas, semicolons or line breaks. */
export function splitEmails(input: string | readonly string[]): string[] {
  const parts = typeof input === 'string' ? input.split(/[,;\r\n]+/) : input;
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * Tags: at most 10, each a key with an optional value (`key` or
 * `key:value` as text), key and value together 1 to 70 characters, no key
 * twice.
 */
export function readTags(
  input: readonly (string | { key: string; value?: string | undefined })[],
): InvitationTag[] {
  const problem = (message: string, index?: number) =>
    new MusterError('validation_failed', 'The request is not valid', {
      details: [{ path: index === undefined ? 'tags' : `tags.${index}`, message }],
    });
  if (input.length > maxTags) throw problem(`at most ${maxTags} tags`);
  const tags: InvitationTag[] = [];
  for (const [i, item] of input.entries()) {
    const [key = '', value = ''] =
      typeof item === 'string'
        ? ((at) => (at < 0 ? [item, ''] : [item.slice(0, at), item.slice(at + 1)]))(item.indexOf(':'))
        : [item.key, item.value ?? ''];
    const k = key.trim();
    const v = value.trim();
    if (k === '') throw problem('needs a key', i);
    if (k.length + v.length > 70) throw problem('key and value together must be at most 70 characters', i);
    if (/[\p{Cc}]/u.test(k + v)) throw problem('must not contain control characters', i);
    if (tags.some((t) => t.key === k)) throw problem(`the tag ${k} is given twice`, i);
    tags.push({ key: k, value: v });
  }
  return tags;
}
