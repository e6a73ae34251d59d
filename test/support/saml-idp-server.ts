import { verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import type { SamlKeyPair, SamlProvider } from '../../src/protocols/saml/index.ts';
import { type LocalServer, serve } from './browser.ts';
import { buildResponse, providerAttributes, type TestIdp, type TestPerson, toFormValue } from './saml-idp.ts';

/**
 * The test IdP (saml-idp.ts) as a real HTTP server on loopback, for browser
 * tests. Its SSO endpoint takes an AuthnRequest by the HTTP-Redirect binding
 * from a service provider whose metadata it was given, checks the request's
 * signature with the SP's certificate, and answers what an IdP answers once
 * its own login page is behind the person: a page whose form posts the
 * signed SAMLResponse to the SP's ACS by itself.
 */
export interface IdpServer {
  readonly idp: TestIdp;
  readonly origin: string;
  /** The AuthnRequests it answered, in order. */
  readonly requests: readonly ReceivedAuthnRequest[];
  /** Why it refused requests, in order: a browser test shows these when the flow stalls at the IdP. */
  readonly refusals: readonly string[];
  /** Imports an SP's metadata, as an IdP administrator does when setting up the application. */
  registerServiceProvider(metadataXml: string): void;
  close(): Promise<void>;
}

export interface ReceivedAuthnRequest {
  readonly id: string;
  readonly issuer: string;
  readonly destination: string;
  readonly acsUrl: string;
  readonly relayState: string | undefined;
}

export interface IdpServerOptions {
  readonly keys: SamlKeyPair;
  /** Who has signed in at the IdP: every answer is about this person. */
  readonly person: TestPerson;
  /** Whose attribute names the answers use. */
  readonly provider: SamlProvider;
}

interface ServiceProvider {
  readonly entityId: string;
  readonly acsUrl: string;
  readonly certificate: string;
}

const ns = {
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  postBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
};

const esc = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

class Refused extends Error {}

function parseXml(xml: string) {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  if (!doc.documentElement) throw new Refused('not XML');
  return doc.documentElement;
}

function parseSpMetadata(xml: string): ServiceProvider {
  const root = parseXml(xml);
  const acs = Array.from(root.getElementsByTagNameNS(ns.metadata, 'AssertionConsumerService')).find(
    (e) => e.getAttribute('Binding') === ns.postBinding,
  );
  const signing = Array.from(root.getElementsByTagNameNS(ns.metadata, 'KeyDescriptor')).find(
    (e) => e.getAttribute('use') === 'signing',
  );
  const body = signing
    ?.getElementsByTagNameNS(ns.dsig, 'X509Certificate')[0]
    ?.textContent?.replace(/\s+/g, '');
  const entityId = root.getAttribute('entityID');
  const acsUrl = acs?.getAttribute('Location');
  if (!entityId || !acsUrl || !body) throw new Error('SP metadata without entityID, POST ACS or signing key');
  const lines = body.match(/.{1,64}/g) ?? [];
  const certificate = `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
  return { entityId, acsUrl, certificate };
}

/** The query parameters as written, undecoded: the redirect binding signs these exact bytes. */
function rawParameters(rawQuery: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) map.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return map;
}

function readAuthnRequest(
  rawQuery: string,
  ssoUrl: string,
  providers: ReadonlyMap<string, ServiceProvider>,
): { request: ReceivedAuthnRequest; sp: ServiceProvider } {
  const raw = rawParameters(rawQuery);
  const value = (name: string) => {
    const v = raw.get(name);
    return v === undefined ? undefined : decodeURIComponent(v.replace(/\+/g, ' '));
  };
  const samlRequest = value('SAMLRequest');
  if (!samlRequest) throw new Refused('no SAMLRequest');
  const root = parseXml(inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8'));
  if (root.namespaceURI !== ns.protocol || root.localName !== 'AuthnRequest')
    throw new Refused('not an AuthnRequest');
  const issuer = root.getElementsByTagNameNS(ns.assertion, 'Issuer')[0]?.textContent?.trim() ?? '';
  const sp = providers.get(issuer);
  if (!sp) throw new Refused(`unknown service provider ${JSON.stringify(issuer)}`);
  if (value('SigAlg') !== ns.rsaSha256) throw new Refused(`SigAlg ${value('SigAlg')} is not RSA-SHA256`);
  const signedPart = ['SAMLRequest', 'RelayState', 'SigAlg']
    .filter((name) => raw.has(name))
    .map((name) => `${name}=${raw.get(name)}`)
    .join('&');
  const signature = Buffer.from(value('Signature') ?? '', 'base64');
  if (!verify('sha256', Buffer.from(signedPart, 'utf8'), sp.certificate, signature))
    throw new Refused('the AuthnRequest signature does not verify with the SP certificate');
  const request: ReceivedAuthnRequest = {
    id: root.getAttribute('ID') ?? '',
    issuer,
    destination: root.getAttribute('Destination') ?? '',
    acsUrl: root.getAttribute('AssertionConsumerServiceURL') ?? sp.acsUrl,
    relayState: value('RelayState'),
  };
  if (!request.id) throw new Refused('the AuthnRequest has no ID');
  if (request.destination !== ssoUrl)
    throw new Refused(`Destination ${request.destination} is not ${ssoUrl}`);
  // The ACS comes from the registration; a request may only name the registered one.
  if (request.acsUrl !== sp.acsUrl) throw new Refused(`ACS ${request.acsUrl} is not registered`);
  return { request, sp };
}

/** The page an IdP ends its login with: the POST binding, submitted by script as soon as it loads. */
function autoPostPage(acsUrl: string, samlResponse: string, relayState: string | undefined): string {
  const relay =
    relayState === undefined ? '' : `<input type="hidden" name="RelayState" value="${esc(relayState)}">`;
  return (
    '<!doctype html><html><head><meta charset="utf-8"><title>Signing in</title></head><body>' +
    `<form method="post" action="${esc(acsUrl)}">` +
    `<input type="hidden" name="SAMLResponse" value="${esc(samlResponse)}">${relay}` +
    '<noscript><button type="submit">Continue</button></noscript></form>' +
    '<script>document.forms[0].submit();</script></body></html>'
  );
}

function page(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

/**
 * Starts the IdP on 127.0.0.1, named `localhost`: another site than a
 * Muster on 127.0.0.1, so the answer reaches the ACS as the cross-site POST
 * it is in production.
 */
export async function startIdpServer(options: IdpServerOptions): Promise<IdpServer> {
  const providers = new Map<string, ServiceProvider>();
  const requests: ReceivedAuthnRequest[] = [];
  const refusals: string[] = [];
  let idp: TestIdp | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse, current: TestIdp) => {
    const [path = '', rawQuery = ''] = (req.url ?? '').split('?', 2);
    if (req.method !== 'GET' || path !== '/sso') {
      page(res, 404, '<p>Not found</p>');
      return;
    }
    try {
      const { request, sp } = readAuthnRequest(rawQuery, current.ssoUrl, providers);
      requests.push(request);
      const xml = await buildResponse(current, {
        acsUrl: sp.acsUrl,
        audience: sp.entityId,
        now: new Date(),
        inResponseTo: request.id,
        nameId: options.person.email,
        attributes: providerAttributes(options.provider, options.person),
      });
      page(res, 200, autoPostPage(sp.acsUrl, toFormValue(xml), request.relayState));
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      refusals.push(error.message);
      page(res, 400, `<p>The identity provider refused the request: ${esc(error.message)}</p>`);
    }
  };
  const server: LocalServer = await serve((req, res) => {
    if (!idp) {
      page(res, 503, '<p>Starting</p>');
      return;
    }
    handle(req, res, idp).catch((error: unknown) => {
      refusals.push(`failed: ${(error as Error).message}`);
      if (!res.headersSent) page(res, 500, '<p>The identity provider failed</p>');
    });
  });
  const origin = `http://localhost:${server.port}`;
  idp = { entityId: `${origin}/saml`, ssoUrl: `${origin}/sso`, keys: options.keys };
  return {
    idp,
    origin,
    requests,
    refusals,
    registerServiceProvider(metadataXml) {
      const sp = parseSpMetadata(metadataXml);
      providers.set(sp.entityId, sp);
    },
    close: () => server.close(),
  };
}
