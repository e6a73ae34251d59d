import type { OpenedInvitation } from '../../domain/invitations/index.ts';
import { html, type SafeHtml } from '../http/index.ts';

const dateText = (date: Date) =>
  `${date.toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' })} UTC`;

/** What the person is invited to: the org, the inviter, the role and teams, the end. */
export function invitationDetails(opened: OpenedInvitation): SafeHtml {
  const { invitation } = opened;
  return html`<dl>
<dt>Organization</dt><dd>${opened.org.name}</dd>
<dt>Invited by</dt><dd>${opened.inviter ?? `an administrator of ${opened.org.name}`}</dd>
<dt>Email</dt><dd>${invitation.email}</dd>
<dt>Role</dt><dd>${invitation.role === 'admin' ? 'Admin' : 'Member'}</dd>
<dt>Teams</dt><dd>${opened.teams.length > 0 ? opened.teams.join(', ') : 'none'}</dd>
<dt>Valid until</dt><dd>${dateText(invitation.expiresAt)}</dd>
</dl>`;
}

export function errorNote(message: string | undefined): SafeHtml {
  return message ? html`<p class="error" role="alert">${message}</p>` : html``;
}

export interface AcceptForms {
  readonly action: string;
  readonly csrf: SafeHtml;
}

/** Signed in with the invited email: one button. */
export function acceptAsSignedIn(forms: AcceptForms, email: string): SafeHtml {
  return html`<form method="post" action="${forms.action}">${forms.csrf}
<input type="hidden" name="mode" value="session">
<p>You are signed in as <strong>${email}</strong>.</p>
<button type="submit">Accept the invitation</button></form>`;
}

/** A new local account: names (optional) and a password twice. */
export function createAccountForm(
  forms: AcceptForms,
  values: { givenName?: string; familyName?: string },
): SafeHtml {
  return html`<form method="post" action="${forms.action}">${forms.csrf}
<input type="hidden" name="mode" value="create">
<p>Create your account to accept.</p>
<label for="givenName">First name</label>
<input id="givenName" name="givenName" autocomplete="given-name" maxlength="100" value="${values.givenName ?? ''}">
<label for="familyName">Last name</label>
<input id="familyName" name="familyName" autocomplete="family-name" maxlength="100" value="${values.familyName ?? ''}">
<label for="password">Password <span class="note">(at least 12 characters)</span></label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="12" maxlength="256" required>
<label for="confirm">Password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" maxlength="256" required>
<button type="submit">Create account and accept</button></form>`;
}

/** An account with this email exists here: its password accepts. */
export function signInForm(forms: AcceptForms): SafeHtml {
  return html`<form method="post" action="${forms.action}">${forms.csrf}
<input type="hidden" name="mode" value="signin">
<p>You already have an account here. Sign in to accept.</p>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" maxlength="256" required>
<button type="submit">Sign in and accept</button></form>
<p><a href="/login/reset">Forgot your password?</a></p>`;
}

/** The email's domain signs in through the org's identity provider. */
export function ssoLink(href: string, provider: string): SafeHtml {
  return html`<p>Your organization signs you in with ${provider}. Sign in there, then accept here.</p>
<p><a class="button" href="${href}">Continue with single sign-on</a></p>`;
}

export function renewalForm(forms: AcceptForms, status: string): SafeHtml {
  return html`<p>This invitation has ${status === 'revoked' ? 'been withdrawn' : 'expired'}.</p>
<form method="post" action="${forms.action}">${forms.csrf}
<p>Ask the person who invited you for a new one.</p>
<button type="submit">Ask for a new invitation</button></form>`;
}
