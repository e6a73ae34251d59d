import type { Request, Response } from 'express';
import { html, renderPage, type SafeHtml } from '../http/index.ts';
import { openedIn, setupPath, takeNotice } from './kit.ts';

export type Step = 'start' | 'sso' | 'scim';

/** A date as the portal writes it: UTC, to the minute, the same for everyone who opens the link. */
export function when(date: Date | string): string {
  return `${new Date(date).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function header(res: Response): SafeHtml {
  const { org, link } = openedIn(res);
  return html`<a class="skip" href="#main">Skip to content</a><header class="bar"><span class="org">${org.name}</span><span>Setup link, works until ${when(link.expiresAt)}</span></header>`;
}

function steps(res: Response, current: Step): SafeHtml {
  const { link } = openedIn(res);
  const all: { id: Step; label: string; path: string }[] = [
    { id: 'start', label: '1. Identity provider', path: '' },
    ...(link.features.includes('sso') ? [{ id: 'sso' as const, label: 'Single sign-on', path: '/sso' }] : []),
    ...(link.features.includes('scim')
      ? [{ id: 'scim' as const, label: 'SCIM provisioning', path: '/scim' }]
      : []),
  ];
  return html`<nav class="sections" aria-label="Steps"><ul>${all.map(
    (s) =>
      html`<li><a href="${setupPath(res, s.path)}"${s.id === current ? html` aria-current="page"` : ''}>${s.label}</a></li>`,
  )}</ul></nav>`;
}

export interface PortalPage {
  readonly step: Step;
  readonly title: string;
  readonly body: SafeHtml;
  readonly error?: string | undefined;
  readonly status?: number | undefined;
}

/** A portal page: the org and the link's end, the steps, a notice or an error (announced), the body. */
export function showPortalPage(req: Request, res: Response, page: PortalPage): void {
  const notice = page.error ? undefined : takeNotice(req, res);
  const message = page.error
    ? html`<p class="error wrap" role="alert">${page.error}</p>`
    : notice
      ? html`<p class="notice wrap" role="status">${notice}</p>`
      : '';
  renderPage(res, {
    title: page.title,
    header: html`${header(res)}${steps(res, page.step)}`,
    status: page.status,
    body: html`${message}${page.body}`,
  });
}

/** The value the IT admin copies into the IdP: a read-only field, labelled as the IdP labels it. */
export function pastedValue(v: {
  readonly id: string;
  readonly label: string;
  readonly muster: string;
  readonly value: string;
  readonly note?: string | undefined;
}): SafeHtml {
  const hint = `${v.id}-hint`;
  return html`<label for="${v.id}">${v.label}</label><input id="${v.id}" readonly value="${v.value}" aria-describedby="${hint}"><p class="note" id="${hint}">Muster's ${v.muster}.${v.note ? ` ${v.note}` : ''}</p>`;
}
