import { escapeHtml, type Mail } from '../mail/index.ts';

export interface ResetMailInput {
  readonly orgId: string;
  readonly orgName: string;
  readonly userId: string;
  readonly to: string;
  readonly link: string;
  readonly expiresAt: Date;
}

const timeText = (date: Date) =>
  `${date.toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' })} UTC`;

/** The password reset mail: the org, the link, its end, and what to do if it was not asked for. */
export function passwordResetMail(input: ResetMailInput): Mail {
  const lines = [
    `Someone asked to reset the password of your ${input.orgName} account (${input.to}).`,
    '',
    `Choose a new password: ${input.link}`,
    '',
    `The link works once, until ${timeText(input.expiresAt)}. Setting a new password signs you out everywhere.`,
    'If you did not ask for this, ignore this email: your password stays as it is.',
  ];
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#222">',
    `<p>${escapeHtml(lines[0] ?? '')}</p>`,
    `<p><a href="${escapeHtml(input.link)}">Choose a new password</a></p>`,
    `<p>The link works once, until ${escapeHtml(timeText(input.expiresAt))}. Setting a new password signs you out everywhere.</p>`,
    '<p>If you did not ask for this, ignore this email: your password stays as it is.</p>',
    '</body></html>',
  ].join('');
  return {
    orgId: input.orgId,
    kind: 'password_reset',
    subjectId: input.userId,
    to: input.to,
    subject: `Reset your ${input.orgName} password`,
    text: lines.join('\n'),
    html,
  };
}
