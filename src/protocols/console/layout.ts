import type { Response } from 'express';
import { html, renderPage, type SafeHtml } from '../http/index.ts';
import type { Viewer } from './viewer.ts';

/** The org as the console's header shows it (the API's `GET /orgs/{org}`). */
export interface OrgSummary {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
}

/** The console's sections, in the order the navigation lists them. */
export const sections = [
  { id: 'members', label: 'Members', path: '/members' },
  { id: 'teams', label: 'Teams', path: '/teams' },
  { id: 'invitations', label: 'Invitations', path: '/invitations' },
  { id: 'mappings', label: 'Group mappings', path: '/mappings' },
  { id: 'connections', label: 'SSO connections', path: '/connections' },
  { id: 'directories', label: 'SCIM directories', path: '/directories' },
  { id: 'setup-links', label: 'Setup links', path: '/setup-links' },
  { id: 'audit', label: 'Audit log', path: '/audit' },
] as const;

export type Section = (typeof sections)[number]['id'];

function header(viewer: Viewer, org: OrgSummary | undefined): SafeHtml {
  const who = viewer.kind === 'super_admin' ? 'Operator' : `${viewer.email} (${viewer.role})`;
  // An operator signs out of the console; a member ends their Muster session.
  const signOut =
    viewer.kind === 'super_admin'
      ? html`<form method="post" action="/console/sign-out"><button type="submit">Sign out</button></form>`
      : html`<form method="post" action="/sso/logout"><input type="hidden" name="returnTo" value="/console"><button type="submit">Sign out</button></form>`;
  return html`<a class="skip" href="#main">Skip to content</a><header class="bar"><span class="org">${
    org ? org.name : 'Muster console'
  }</span>${viewer.kind === 'super_admin' ? html`<a href="/console">All organizations</a>` : ''}<span>${who}</span>${signOut}</header>`;
}

function navigation(org: OrgSummary, current: Section): SafeHtml {
  const base = `/console/orgs/${encodeURIComponent(org.slug)}`;
  return html`<nav class="sections" aria-label="Sections"><ul>${sections.map(
    (s) =>
      html`<li><a href="${base}${s.path}"${s.id === current ? html` aria-current="page"` : ''}>${s.label}</a></li>`,
  )}</ul></nav>`;
}

export interface ConsolePage {
  readonly viewer: Viewer;
  readonly org?: OrgSummary | undefined;
  readonly section?: Section | undefined;
  readonly title: string;
  readonly body: SafeHtml;
  readonly notice?: string | undefined;
  readonly error?: string | undefined;
  readonly status?: number | undefined;
}

/** A console page: the header, the org's sections, a notice or an error (announced), the body. */
export function consolePage(res: Response, page: ConsolePage): void {
  const top = html`${header(page.viewer, page.org)}${
    page.org && page.section ? navigation(page.org, page.section) : ''
  }`;
  const message = page.error
    ? html`<p class="error" role="alert">${page.error}</p>`
    : page.notice
      ? html`<p class="notice" role="status">${page.notice}</p>`
      : '';
  renderPage(res, {
    title: page.title,
    header: top,
    wide: true,
    status: page.status,
    body: html`${message}${page.body}`,
  });
}
