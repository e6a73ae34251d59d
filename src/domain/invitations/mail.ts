import { escapeHtml, type Mail } from '../mail/index.ts';

export interface InvitationMailInput {
  readonly orgId: string;
  readonly invitationId: string;
  readonly to: string;
  readonly orgName: string;
  /** The inviter's name, when known. */
  readonly inviter: string | null;
  readonly teams: readonly string[];
  readonly role: 'member' | 'admin';
  readonly link: string;
  readonly expiresAt: Date;
  readonly message: string | null;
  /** A reminder the day before the end. */
  readonly reminder?: boolean;
}

const dateText = (date: Date) =>
  `${date.toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' })} UTC`;

/** The invitation mail, in plain text and HTML: the org, the inviter, the teams, the link and its end. */
export function invitationMail(input: InvitationMailInput): Mail {
  const who = input.inviter ? `${input.inviter} invited you` : 'You are invited';
  const subject = input.reminder
    ? `Reminder: your invitation to ${input.orgName} ends soon`
    : `${input.inviter ?? input.orgName} invited you to ${input.orgName}`;
  const teams = input.teams.length > 0 ? input.teams.join(', ') : null;
  const lines = [
    `${who} to join ${input.orgName} as ${input.role === 'admin' ? 'an admin' : 'a member'}.`,
    ...(teams ? [`Teams: ${teams}.`] : []),
    ...(input.message ? ['', `"${input.message}"`] : []),
    '',
    `Accept the invitation: ${input.link}`,
    '',
    `The link works until ${dateText(input.expiresAt)}, once.`,
    ...(input.reminder ? ['This email replaces the earlier one: its link no longer works.'] : []),
    'If you did not expect this invitation, you can ignore this email.',
  ];
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#222">',
    `<p>${escapeHtml(lines[0] ?? '')}</p>`,
    ...(teams ? [`<p>Teams: ${escapeHtml(teams)}.</p>`] : []),
    ...(input.message ? [`<blockquote>${escapeHtml(input.message)}</blockquote>`] : []),
    `<p><a href="${escapeHtml(input.link)}">Accept the invitation</a></p>`,
    `<p>The link works until ${escapeHtml(dateText(input.expiresAt))}, once.</p>`,
    ...(input.reminder ? ['<p>This email replaces the earlier one: its link no longer works.</p>'] : []),
    '<p>If you did not expect this invitation, you can ignore this email.</p>',
    '</body></html>',
  ].join('');
  return {
    orgId: input.orgId,
    kind: input.reminder ? 'invitation_reminder' : 'invitation',
    subjectId: input.invitationId,
    to: input.to,
    subject,
    text: lines.join('\n'),
    html,
  };
}
