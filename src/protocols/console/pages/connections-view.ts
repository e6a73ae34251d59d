import { html, type SafeHtml } from '../../http/index.ts';
import { jsonText, timeText } from './connections-format.ts';

/** A connection as the admin API answers it (`GET /orgs/{org}/connections/{connection}`). */
export interface ConnectionBody {
  readonly id: string;
  readonly protocol: 'saml' | 'oidc';
  readonly provider: string;
  readonly name: string;
  readonly domains: readonly {
    readonly domain: string;
    readonly verified: boolean;
    readonly verifiedAt: string | null;
    readonly verification: { readonly name: string; readonly type: string; readonly value: string };
  }[];
  readonly spEntityId: string | null;
  readonly acsUrl: string | null;
  readonly spMetadataUrl: string | null;
  readonly redirectUri: string | null;
  readonly jit: boolean;
  readonly allowIdpInitiated: boolean;
  readonly groupsAttribute: string | null;
  readonly saml?: {
    readonly entityId: string;
    readonly ssoUrl: string;
    readonly sloUrl: string | null;
    readonly nameIdFormat: string | null;
  };
  readonly oidc?: {
    readonly issuer: string;
    readonly clientId: string;
    readonly tokenEndpointAuthMethod: string;
    readonly scopes: readonly string[] | null;
    readonly jwksUri: string;
  };
  readonly metadata: {
    readonly url: string | null;
    readonly fetchedAt: string | null;
    readonly error: string | null;
  };
  readonly health: Readonly<Record<string, unknown>>;
  readonly lastSignInAt: string | null;
  readonly certificates: readonly {
    readonly kind: 'idp_signing' | 'client';
    readonly fingerprint: string;
    readonly notAfter: string;
    readonly daysLeft: number;
    readonly expiring: boolean;
    readonly expired: boolean;
  }[];
  readonly createdAt: string;
}

export const idpProviders = ['entra', 'okta', 'jumpcloud', 'keycloak', 'generic'] as const;

export function connectionName(c: Pick<ConnectionBody, 'name' | 'provider' | 'protocol'>): string {
  return c.name || `${c.provider} ${c.protocol.toUpperCase()}`;
}

const flagTime = (value: unknown) =>
  typeof value === 'object' && value !== null && typeof (value as { at?: unknown }).at === 'string'
    ? (value as { at: string }).at
    : null;

const knownFlags = ['groupsTruncated', 'idpUnavailable', 'certificatesExpiring'];

/** What an admin should look at: the health flags and a failing metadata URL, in words. */
export function warningsOf(c: ConnectionBody): SafeHtml[] {
  const out: SafeHtml[] = [];
  const { groupsTruncated, idpUnavailable } = c.health;
  if (groupsTruncated)
    out.push(
      html`Groups cut short by the IdP at a sign-in (too many to send), with no SCIM directory to complete them; last ${timeText(flagTime(groupsTruncated), { none: 'at an unknown time' })}`,
    );
  if (idpUnavailable) {
    const message = (idpUnavailable as { message?: unknown }).message;
    out.push(
      html`IdP unavailable at a sign-in, last ${timeText(flagTime(idpUnavailable), { none: 'at an unknown time' })}${
        typeof message === 'string' ? html`: ${message}` : ''
      }`,
    );
  }
  if (c.metadata.error) out.push(html`The metadata URL could not be read: ${c.metadata.error}`);
  // Certificates ending soon are shown with the certificates; their flag only records the warning sent.
  for (const [key, value] of Object.entries(c.health))
    if (!knownFlags.includes(key)) out.push(html`${key}: <code>${jsonText(value, 200)}</code>`);
  return out;
}

export function certificateLine(cert: ConnectionBody['certificates'][number]): SafeHtml {
  const ends = timeText(cert.notAfter);
  if (cert.expired) return html`<span class="warn tag">Expired ${ends}</span>`;
  if (cert.expiring)
    return html`<span class="warn tag">Ends ${ends}, in ${cert.daysLeft} day${cert.daysLeft === 1 ? '' : 's'}</span>`;
  return html`Ends ${ends}`;
}

function domainsCell(c: ConnectionBody): SafeHtml {
  return html`${c.domains.map(
    (d, i) =>
      html`${i > 0 ? html`<br>` : ''}${d.domain} ${d.verified ? html`<span class="note">(verified)</span>` : html`<span class="note">(not verified)</span>`}`,
  )}`;
}

/** The list: each connection's name, protocol, IdP, domains, certificates, last sign-in and warnings. */
export function connectionsTable(
  list: readonly ConnectionBody[],
  linkOf: (c: ConnectionBody) => string,
): SafeHtml {
  return html`<div class="scroll"><table><thead><tr><th scope="col">Name</th><th scope="col">Protocol</th><th scope="col">Provider</th><th scope="col">Domains</th><th scope="col">Certificates</th><th scope="col">Last sign-in</th><th scope="col">Warnings</th></tr></thead><tbody>${
    list.length === 0 ? html`<tr><td colspan="7" class="note">No SSO connections yet.</td></tr>` : ''
  }${list.map((c) => {
    const warnings = warningsOf(c);
    return html`<tr><td><a href="${linkOf(c)}">${connectionName(c)}</a></td><td>${c.protocol.toUpperCase()}</td><td>${c.provider}</td><td>${domainsCell(c)}</td>
<td>${c.certificates.length === 0 ? html`<span class="note">none</span>` : c.certificates.map((cert, i) => html`${i > 0 ? html`<br>` : ''}${certificateLine(cert)}`)}</td>
<td>${timeText(c.lastSignInAt)}</td><td>${
      warnings.length === 0
        ? html`<span class="note">none</span>`
        : warnings.map((w, i) => html`${i > 0 ? html`<br>` : ''}<span class="warn tag">${w}</span>`)
    }</td></tr>`;
  })}</tbody></table></div>`;
}

function row(label: string, value: SafeHtml | string | null | undefined): SafeHtml {
  if (value === null || value === undefined || value === '') return html``;
  return html`<dt>${label}</dt><dd>${value}</dd>`;
}

/** What the IdP's admin types into the IdP: Muster's side of the connection. */
export function forTheIdp(c: ConnectionBody): SafeHtml {
  return html`<h2>For the IdP's admin</h2><dl class="pairs">${[
    row('SP entity id (Audience, Identifier)', c.spEntityId ? html`<code>${c.spEntityId}</code>` : null),
    row('ACS URL (Reply URL, HTTP-POST)', c.acsUrl ? html`<code>${c.acsUrl}</code>` : null),
    row(
      'SP metadata URL',
      c.spMetadataUrl ? html`<a href="${c.spMetadataUrl}"><code>${c.spMetadataUrl}</code></a>` : null,
    ),
    row('Redirect URI', c.redirectUri ? html`<code>${c.redirectUri}</code>` : null),
    row(
      'Client JWK Set (private_key_jwt)',
      c.oidc?.tokenEndpointAuthMethod === 'private_key_jwt' ? html`<code>${c.oidc.jwksUri}</code>` : null,
    ),
  ]}</dl>`;
}

/** The IdP as Muster knows it: from its metadata (SAML) or the client registered with it (OIDC). */
export function theIdp(c: ConnectionBody): SafeHtml {
  const saml = c.saml;
  const oidc = c.oidc;
  return html`<h2>The IdP</h2><dl class="pairs">${[
    row('Provider', c.provider),
    row('Protocol', c.protocol.toUpperCase()),
    saml ? row('IdP entity id', html`<code>${saml.entityId}</code>`) : '',
    saml ? row('Sign-in URL', html`<code>${saml.ssoUrl}</code>`) : '',
    saml
      ? row(
          'Logout URL',
          saml.sloUrl ? html`<code>${saml.sloUrl}</code>` : html`<span class="note">none</span>`,
        )
      : '',
    saml ? row('NameID format', saml.nameIdFormat ?? html`<span class="note">the provider's</span>`) : '',
    oidc ? row('Issuer', html`<code>${oidc.issuer}</code>`) : '',
    oidc ? row('Client id', html`<code>${oidc.clientId}</code>`) : '',
    oidc ? row('Client authentication', oidc.tokenEndpointAuthMethod) : '',
    oidc
      ? row('Scopes', oidc.scopes ? oidc.scopes.join(' ') : html`<span class="note">the provider's</span>`)
      : '',
    row('Metadata URL', c.metadata.url ? html`<code>${c.metadata.url}</code>` : null),
    c.metadata.url ? row('Metadata last read', timeText(c.metadata.fetchedAt)) : '',
    row('Groups attribute', c.groupsAttribute ?? html`<span class="note">the provider's</span>`),
    row('Creates users at first sign-in', c.jit ? 'yes' : 'no'),
    saml ? row('IdP-initiated sign-in', c.allowIdpInitiated ? 'allowed' : 'refused') : '',
  ]}</dl>`;
}

export function certificatesSection(c: ConnectionBody): SafeHtml {
  return html`<h2>Certificates</h2><div class="scroll"><table><thead><tr><th scope="col">Use</th><th scope="col">SHA-256 fingerprint</th><th scope="col">Ends</th><th scope="col">Days left</th></tr></thead><tbody>${
    c.certificates.length === 0 ? html`<tr><td colspan="4" class="note">No certificates.</td></tr>` : ''
  }${c.certificates.map(
    (cert) =>
      html`<tr><td>${cert.kind === 'idp_signing' ? 'IdP signing' : 'Client key'}</td><td><code>${cert.fingerprint}</code></td><td>${certificateLine(cert)}</td><td>${cert.daysLeft}</td></tr>`,
  )}</tbody></table></div>`;
}

export function healthSection(c: ConnectionBody): SafeHtml {
  const warnings = warningsOf(c);
  return html`<h2>Health</h2><dl class="pairs">${row('Last sign-in', timeText(c.lastSignInAt))}${row('Created', timeText(c.createdAt))}</dl>${
    warnings.length === 0
      ? html`<p class="note">No warnings.</p>`
      : html`<ul>${warnings.map((w) => html`<li><span class="warn tag">${w}</span></li>`)}</ul>`
  }`;
}

/** The domains, each unverified one with its TXT record and a form (`verify`) that checks it in DNS. */
export function domainsSection(c: ConnectionBody, verify: (domain: string) => SafeHtml): SafeHtml {
  return html`<h2>Domains</h2><div class="scroll"><table><thead><tr><th scope="col">Domain</th><th scope="col">Verified</th><th scope="col">TXT record to publish</th><th scope="col"><span class="skip">Check</span></th></tr></thead><tbody>${c.domains.map(
    (d) =>
      html`<tr><td>${d.domain}</td><td>${d.verified ? html`yes, ${timeText(d.verifiedAt)}` : 'no'}</td><td>${
        d.verified ? '' : html`<code>${d.verification.name}</code> <code>${d.verification.value}</code>`
      }</td><td>${d.verified ? '' : verify(d.domain)}</td></tr>`,
  )}</tbody></table></div>
<p class="note">Until a domain is verified, sign-ins for it may create users but never join an existing account. Publish the TXT record in the domain's DNS, then check it.</p>`;
}
