import { html, type SafeHtml } from '../http/index.ts';

/**
 * The sign-in pages' forms: one field per label, the error announced
 * (role="alert") and tied to its field (aria-describedby), the browser's
 * password manager helped (autocomplete), no script anywhere.
 */
export interface FormParts {
  readonly csrf: SafeHtml;
  /** The error to show above the form, if any. */
  readonly error?: string | undefined;
}

/** What the person asked for, carried from form to form. */
export interface Carried {
  readonly email?: string | undefined;
  readonly org?: string | undefined;
  readonly returnTo?: string | undefined;
}

const errorId = 'form-error';

function errorNote(error: string | undefined): SafeHtml {
  return error ? html`<p class="error" role="alert" id="${errorId}">${error}</p>` : html``;
}

/** Attributes marking a field as the one the error is about. */
function invalid(error: string | undefined): SafeHtml {
  return error ? html` aria-invalid="true" aria-describedby="${errorId}"` : html``;
}

function hidden(name: string, value: string | undefined): SafeHtml {
  return value ? html`<input type="hidden" name="${name}" value="${value}">` : html``;
}

/** A link to a sign-in page with what was carried so far. */
export function loginHref(path: string, carried: Carried): string {
  const query = new URLSearchParams();
  if (carried.email) query.set('email', carried.email);
  if (carried.org) query.set('org', carried.org);
  if (carried.returnTo) query.set('returnTo', carried.returnTo);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** Step one: the email, which decides between single sign-on and a password. */
export function emailForm(parts: FormParts, carried: Carried): SafeHtml {
  return html`${errorNote(parts.error)}<form method="post" action="/login">${parts.csrf}
${hidden('org', carried.org)}${hidden('returnTo', carried.returnTo)}
<label for="email">Email address</label>
<input id="email" name="email" type="email" inputmode="email" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="320" required autofocus value="${carried.email ?? ''}"${invalid(parts.error)}>
<button type="submit">Continue</button></form>
<p><a href="${loginHref('/login/reset', carried)}">Forgot your password?</a></p>`;
}

/** Step two: the password, for an email no SSO connection serves; the org when it must be named. */
export function passwordForm(parts: FormParts, carried: Carried, askOrg: boolean): SafeHtml {
  const email = carried.email ?? '';
  const orgField = askOrg
    ? html`<input type="hidden" name="askOrg" value="1"><label for="org">Organization</label>
<p class="note" id="org-hint">The organization's sign-in name: the <code>org=</code> part of the link your application gave you, or ask your administrator.</p>
<input id="org" name="org" autocomplete="organization" autocapitalize="none" spellcheck="false" maxlength="100" required value="${carried.org ?? ''}" aria-describedby="org-hint">`
    : hidden('org', carried.org);
  return html`${errorNote(parts.error)}<p>Signing in as <strong>${email}</strong>. <a href="${loginHref('/login', { org: carried.org, returnTo: carried.returnTo })}">Use another email address</a></p>
<form method="post" action="/login">${parts.csrf}
<input type="hidden" name="email" value="${email}" autocomplete="username">${hidden('returnTo', carried.returnTo)}
${orgField}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" maxlength="256" required autofocus${invalid(askOrg ? undefined : parts.error)}>
<button type="submit">Sign in</button></form>
<p><a href="${loginHref('/login/reset', { email, org: carried.org })}">Forgot your password?</a></p>`;
}

/** Asks for a reset link by email. */
export function resetRequestForm(parts: FormParts, carried: Carried): SafeHtml {
  return html`${errorNote(parts.error)}<p>Enter the email address of your account. If it has a password here, we send it a link to choose a new one.</p>
<form method="post" action="/login/reset">${parts.csrf}${hidden('org', carried.org)}
<label for="email">Email address</label>
<input id="email" name="email" type="email" inputmode="email" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="320" required autofocus value="${carried.email ?? ''}"${invalid(parts.error)}>
<button type="submit">Send the link</button></form>
<p><a href="${loginHref('/login', carried)}">Back to sign-in</a></p>`;
}

/** What a reset request answers, whether or not any account has the email. */
export function resetRequested(email: string): SafeHtml {
  return html`<p role="status">If <strong>${email}</strong> has an account with a password here, a link to choose a new password is on its way. It works once, for an hour.</p>
<p class="note">Nothing after a few minutes? Check your spam folder, or ask again.</p>
<p><a href="/login">Back to sign-in</a></p>`;
}

/** A new password, twice, with a reset link. */
export function newPasswordForm(
  parts: FormParts & { readonly action: string },
  account: { readonly email: string; readonly orgName: string },
): SafeHtml {
  return html`${errorNote(parts.error)}<p>For <strong>${account.email}</strong> at ${account.orgName}.</p>
<form method="post" action="${parts.action}">${parts.csrf}
<input type="hidden" name="email" value="${account.email}" autocomplete="username">
<label for="password">New password</label>
<p class="note" id="password-hint">At least 12 characters. Not a common password, and not your email address. A phrase of a few words is easy to remember.</p>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="12" maxlength="256" required autofocus aria-describedby="password-hint${parts.error ? ` ${errorId}` : ''}"${parts.error ? html` aria-invalid="true"` : html``}>
<label for="confirm">New password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" maxlength="256" required>
<button type="submit">Set the password</button></form>`;
}

export function passwordChanged(signInHref: string): SafeHtml {
  return html`<p role="status">Your password is changed, and you are signed out everywhere else.</p>
<p><a class="button" href="${signInHref}">Sign in</a></p>`;
}

/** A reset link that no longer works. */
export function linkGone(message: string): SafeHtml {
  return html`<p class="error" role="alert">${message}</p>
<p><a class="button" href="/login/reset">Ask for a new link</a></p>`;
}

/** A page that hands the browser on to another page (see handOff). */
export function handOffPage(message: string, href: string, label: string): SafeHtml {
  return html`<p>${message}</p>
<p><a class="button" href="${href}">${label}</a></p>`;
}

/** A refusal with nothing to retry on this page. */
export function problem(message: string): SafeHtml {
  return html`<p class="error" role="alert">${message}</p>
<p><a href="/login">Back to sign-in</a></p>`;
}
