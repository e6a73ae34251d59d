import type { Request } from 'express';
import { formValue, formValues } from '../kit.ts';

/** The invite form as the admin filled it in, kept to fill it again after a refusal. */
export interface InviteValues {
  readonly emails: string;
  readonly teams: readonly string[];
  readonly role: string;
  readonly expiresInDays: string;
  readonly tags: string;
  readonly message: string;
}

export const emptyInvite: InviteValues = {
  emails: '',
  teams: [],
  role: 'member',
  expiresInDays: '',
  tags: '',
  message: '',
};

export function inviteValuesOf(req: Request): InviteValues {
  return {
    // The form parser caps the whole body at 64 KiB; these caps only keep one field from hiding the rest.
    emails: formValue(req, 'emails', 60_000),
    teams: formValues(req, 'teams'),
    role: formValue(req, 'role', 20) || 'member',
    expiresInDays: formValue(req, 'expiresInDays', 10),
    tags: formValue(req, 'tags', 5000),
    message: formValue(req, 'message', 5000),
  };
}

/**
 * Tags, one a line, as `key=value`, `key:value` or a bare `key`. The API
 * reads `key:value` itself; `key=value` is split here, at whichever of the
 * two marks comes first, so a value may hold the other.
 */
export function tagsOf(text: string): (string | { key: string; value: string })[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const equals = line.indexOf('=');
      const colon = line.indexOf(':');
      if (equals < 0 || (colon >= 0 && colon < equals)) return line;
      return { key: line.slice(0, equals), value: line.slice(equals + 1) };
    });
}

/** The API's body for `POST /orgs/{org}/invitations`; the API checks every value. */
export function inviteBody(values: InviteValues): Record<string, unknown> {
  const tags = tagsOf(values.tags);
  return {
    // One string: the API splits it at commas and line breaks, and reports each address on its own.
    emails: values.emails,
    role: values.role,
    ...(values.teams.length > 0 ? { teams: values.teams } : {}),
    ...(tags.length > 0 ? { tags } : {}),
    ...(values.expiresInDays !== '' ? { expiresInDays: Number(values.expiresInDays) } : {}),
    ...(values.message !== '' ? { message: values.message } : {}),
  };
}
