import type { Request, Response } from 'express';
import express from 'express';
import { html, type SafeHtml } from '../../http/index.ts';
import { type ConsoleKit, formToken, formValue, orgIn, orgPath } from '../kit.ts';
import { type ConnectionBody, idpProviders } from './connections-view.ts';

/**
 * The connection forms carry an IdP's metadata document, which outgrows the
 * console's 64 KiB forms (Entra's runs to tens of KiB); the API takes 1 MiB.
 */
export const metadataForm = express.urlencoded({ extended: false, limit: 1100 * 1024, parameterLimit: 50 });
const maxMetadata = 1024 * 1024;

/** What the new-connection form was sent with, to fill in again; never the client secret. */
export interface NewConnectionValues {
  readonly protocol: 'saml' | 'oidc';
  readonly name: string;
  readonly provider: string;
  readonly domains: string;
  readonly metadataXml: string;
  readonly metadataUrl: string;
  readonly issuer: string;
  readonly clientId: string;
}

export const emptyConnection: NewConnectionValues = {
  protocol: 'saml',
  name: '',
  provider: 'okta',
  domains: '',
  metadataXml: '',
  metadataUrl: '',
  issuer: '',
  clientId: '',
};

export function readNewConnection(req: Request): NewConnectionValues {
  return {
    protocol: formValue(req, 'protocol', 10) === 'oidc' ? 'oidc' : 'saml',
    name: formValue(req, 'name', 200),
    provider: formValue(req, 'provider', 50),
    domains: formValue(req, 'domains', 30_000),
    metadataXml: formValue(req, 'metadataXml', maxMetadata),
    metadataUrl: formValue(req, 'metadataUrl'),
    issuer: formValue(req, 'issuer'),
    clientId: formValue(req, 'clientId', 400),
  };
}

/** "a.com, b.com" or one a line: the API's list (which refuses an empty one with its own words). */
export function domainList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter(Boolean);
}

/** `saml` of a create or change: the XML or the URL, as given; the API refuses both or neither. */
export function samlSource(xml: string, url: string): Record<string, string> {
  return { ...(xml ? { metadataXml: xml } : {}), ...(url ? { metadataUrl: url } : {}) };
}

/** The body of `POST /orgs/{org}/connections` from the form; the secret is read here and kept nowhere else. */
export function createBodyOf(values: NewConnectionValues, clientSecret: string): Record<string, unknown> {
  const common = {
    protocol: values.protocol,
    provider: values.provider,
    domains: domainList(values.domains),
    ...(values.name ? { name: values.name } : {}),
  };
  if (values.protocol === 'saml')
    return { ...common, saml: samlSource(values.metadataXml, values.metadataUrl) };
  return {
    ...common,
    oidc: { issuer: values.issuer, clientId: values.clientId, ...(clientSecret ? { clientSecret } : {}) },
  };
}

function providerSelect(id: string, selected: string): SafeHtml {
  return html`<label for="${id}">Provider</label><select id="${id}" name="provider">${idpProviders.map(
    (p) => html`<option value="${p}"${p === selected ? html` selected` : ''}>${p}</option>`,
  )}</select>`;
}

/** The two ways to connect an IdP, each its own form (no script chooses between them). */
export function newConnectionForms(
  kit: ConsoleKit,
  req: Request,
  res: Response,
  values: NewConnectionValues,
): SafeHtml {
  const action = orgPath(orgIn(res), '/connections');
  const saml = values.protocol === 'saml' ? values : emptyConnection;
  const oidc = values.protocol === 'oidc' ? values : { ...emptyConnection, protocol: 'oidc' as const };
  return html`<form method="post" action="${action}">${formToken(kit, req, res, 'connection-create')}<input type="hidden" name="protocol" value="saml"><fieldset><legend>New SAML connection</legend>
${providerSelect('saml-provider', saml.provider)}
<label for="saml-name">Name (optional)</label><input id="saml-name" name="name" maxlength="200" value="${saml.name}">
<label for="saml-domains">Email domains (separated by commas)</label><input id="saml-domains" name="domains" required value="${saml.domains}" placeholder="acme.com, acme.co.uk">
<label for="saml-xml">The IdP's metadata XML</label><textarea id="saml-xml" name="metadataXml" rows="8" spellcheck="false">${saml.metadataXml}</textarea>
<label for="saml-url">Or its metadata URL (https, read daily)</label><input id="saml-url" name="metadataUrl" type="url" maxlength="2000" value="${saml.metadataUrl}">
<p class="note">Give the XML or the URL, not both.</p>
<button type="submit">Create SAML connection</button></fieldset></form>
<form method="post" action="${action}">${formToken(kit, req, res, 'connection-create')}<input type="hidden" name="protocol" value="oidc"><fieldset><legend>New OpenID Connect connection</legend>
${providerSelect('oidc-provider', oidc.provider)}
<label for="oidc-name">Name (optional)</label><input id="oidc-name" name="name" maxlength="200" value="${oidc.name}">
<label for="oidc-domains">Email domains (separated by commas)</label><input id="oidc-domains" name="domains" required value="${oidc.domains}">
<label for="oidc-issuer">Issuer URL</label><input id="oidc-issuer" name="issuer" type="url" required maxlength="2000" value="${oidc.issuer}">
<label for="oidc-client">Client id</label><input id="oidc-client" name="clientId" required maxlength="400" value="${oidc.clientId}">
<label for="oidc-secret">Client secret (stored encrypted, never shown again)</label><input id="oidc-secret" name="clientSecret" type="password" autocomplete="off" required maxlength="2000">
<button type="submit">Create OIDC connection</button></fieldset></form>`;
}

/** What a change form of the connection page was sent with, to fill in again. */
export interface ChangeValues {
  readonly metadataXml?: string;
  readonly metadataUrl?: string;
  readonly issuer?: string;
  readonly clientId?: string;
}

/** The connection page's forms: new metadata (SAML) or client (OIDC), the options, the way to delete. */
export function changeForms(
  kit: ConsoleKit,
  req: Request,
  res: Response,
  c: ConnectionBody,
  values: ChangeValues,
): SafeHtml {
  const path = (rest: string) => orgPath(orgIn(res), `/connections/${encodeURIComponent(c.id)}${rest}`);
  const idpForm = c.saml
    ? html`<form method="post" action="${path('/metadata')}">${formToken(kit, req, res, 'connection-metadata')}<fieldset><legend>Update the IdP's metadata</legend>
<p class="note">When the IdP rolls its certificate over or moves, paste its new metadata or give its metadata URL. Either replaces what is here${
        c.metadata.url ? ' (the XML also ends the daily read of the URL)' : ''
      }.</p>
<label for="change-xml">Metadata XML</label><textarea id="change-xml" name="metadataXml" rows="6" spellcheck="false">${values.metadataXml ?? ''}</textarea>
<label for="change-url">Or metadata URL</label><input id="change-url" name="metadataUrl" type="url" maxlength="2000" value="${values.metadataUrl ?? ''}">
<button type="submit">Update metadata</button></fieldset></form>`
    : html`<form method="post" action="${path('/client')}">${formToken(kit, req, res, 'connection-client')}<fieldset><legend>Change the OIDC client</legend>
<label for="change-issuer">Issuer URL</label><input id="change-issuer" name="issuer" type="url" required maxlength="2000" value="${values.issuer ?? c.oidc?.issuer ?? ''}">
<label for="change-client">Client id</label><input id="change-client" name="clientId" required maxlength="400" value="${values.clientId ?? c.oidc?.clientId ?? ''}">
<label for="change-secret">New client secret (blank keeps the current one)</label><input id="change-secret" name="clientSecret" type="password" autocomplete="off" maxlength="2000">
<button type="submit">Save client</button></fieldset></form>`;
  return html`${idpForm}
<form method="post" action="${path('/options')}">${formToken(kit, req, res, 'connection-options')}<fieldset><legend>Options</legend>
<label class="check" for="option-jit"><input type="checkbox" id="option-jit" name="jit" value="yes"${c.jit ? html` checked` : ''}> Create users at their first sign-in</label>${
    c.saml
      ? html`<label class="check" for="option-idp"><input type="checkbox" id="option-idp" name="allowIdpInitiated" value="yes"${
          c.allowIdpInitiated ? html` checked` : ''
        }> Allow IdP-initiated sign-in (from the IdP's app launcher)</label>`
      : ''
  }
<button type="submit">Save options</button></fieldset></form>
<p><a href="${path('/delete')}">Delete this connection…</a></p>`;
}

/** The step before a deletion: what goes with the connection, and the one button that does it. */
export function deleteConfirmation(
  kit: ConsoleKit,
  req: Request,
  res: Response,
  c: ConnectionBody,
  name: string,
): SafeHtml {
  const path = (rest: string) => orgPath(orgIn(res), `/connections/${encodeURIComponent(c.id)}${rest}`);
  return html`<p class="warn">Deleting <strong>${name}</strong> ends sign-in through it at once: its domains (${c.domains
    .map((d) => d.domain)
    .join(
      ', ',
    )}) are released, its group mappings and sign-in identities are deleted, what its mappings granted is taken back, and the sessions its sign-ins started end. The people stay in the organization.</p>
<form method="post" action="${path('/delete')}">${formToken(kit, req, res, 'connection-delete')}<input type="hidden" name="confirm" value="yes">
<button type="submit" class="danger">Delete ${name}</button></form>
<p><a href="${path('')}">Keep it</a></p>`;
}
