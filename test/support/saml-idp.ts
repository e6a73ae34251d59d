import { createPublicKey, randomBytes, sign as signWith } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { encrypt } from 'xml-encryption';
import { nameIdFormats, type SamlKeyPair, type SamlProvider } from '../../src/protocols/saml/index.ts';

/**
 * An identity provider in the test process: builds SAML responses as real
 * IdPs shape them and signs (and encrypts) them with xml-crypto and
 * xml-encryption, the libraries IdPs built on Node use. Attack variants are
 * made from its output in saml-attacks.ts.
 */
export interface TestIdp {
  readonly entityId: string;
  readonly ssoUrl: string;
  readonly keys: SamlKeyPair;
}

export interface TestPerson {
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly displayName: string;
  readonly groups: readonly string[];
}

export interface ResponseOptions {
  readonly acsUrl: string;
  readonly audience: string;
  readonly now: Date;
  /** The request answered; null for an IdP-initiated response. */
  readonly inResponseTo: string | null;
  readonly nameId?: string;
  readonly nameIdFormat?: string;
  readonly attributes?: Readonly<Record<string, readonly string[]>>;
  /** Response@Destination; null leaves it out. Defaults to the ACS. */
  readonly destination?: string | null;
  readonly recipient?: string;
  readonly issuer?: string;
  /** The Response's Issuer; null leaves it out. Defaults to the assertion's. */
  readonly responseIssuer?: string | null;
  readonly notBefore?: Date;
  readonly notOnOrAfter?: Date;
  readonly subjectNotOnOrAfter?: Date;
  readonly status?: { readonly code: string; readonly subCode?: string; readonly message?: string };
  readonly assertionId?: string;
  readonly signResponse?: boolean;
  readonly signAssertion?: boolean;
  /** Another key to sign with: one the connection does not know. */
  readonly signingKey?: SamlKeyPair;
  readonly sha1?: boolean;
  /** Encrypts the assertion to this certificate (the SP's encryption certificate). */
  readonly encryptTo?: string;
  /** The IdP's session the assertion belongs to (AuthnStatement@SessionIndex); a fresh one when unset. */
  readonly sessionIndex?: string;
}

const samlp = 'urn:oasis:names:tc:SAML:2.0:protocol';
const saml = 'urn:oasis:names:tc:SAML:2.0:assertion';
const success = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const minutes = (date: Date, n: number) => new Date(date.getTime() + n * 60_000);
const esc = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A fresh SAML id (an xs:ID starts with a letter or underscore). */
export function samlId(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

/** Each provider's attributes for one person, named as that IdP names them by default. */
export function providerAttributes(provider: SamlProvider, p: TestPerson): Record<string, readonly string[]> {
  const claims = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
  switch (provider) {
    case 'entra':
      return {
        [`${claims}/emailaddress`]: [p.email],
        [`${claims}/givenname`]: [p.firstName],
        [`${claims}/surname`]: [p.lastName],
        [`${claims}/name`]: [p.email],
        'http://schemas.microsoft.com/identity/claims/displayname': [p.displayName],
        'http://schemas.microsoft.com/identity/claims/tenantid': ['aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb'],
        'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': p.groups,
      };
    case 'okta':
      return { email: [p.email], firstName: [p.firstName], lastName: [p.lastName], groups: p.groups };
    case 'jumpcloud':
      return { email: [p.email], firstname: [p.firstName], lastname: [p.lastName], memberOf: p.groups };
    case 'keycloak':
      return {
        'urn:oid:1.2.840.113549.1.9.1': [p.email],
        'urn:oid:2.5.4.42': [p.firstName],
        'urn:oid:2.5.4.4': [p.lastName],
        Role: p.groups,
      };
    case 'generic':
      return {
        mail: [p.email],
        givenName: [p.firstName],
        sn: [p.lastName],
        displayName: [p.displayName],
        groups: p.groups,
      };
  }
}

/** The response XML, signed and encrypted as the options say: assertion signed, then encrypted, then response signed. */
export async function buildResponse(idp: TestIdp, o: ResponseOptions): Promise<string> {
  let xml = responseXml(idp, o);
  const key = o.signingKey ?? idp.keys;
  if (o.signAssertion ?? true) {
    xml = sign(xml, key, o.sha1 === true, "//*[local-name(.)='Assertion']", {
      reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']",
      action: 'after',
    });
  }
  if (o.encryptTo) xml = await encryptAssertion(xml, o.encryptTo);
  if (o.signResponse ?? true) {
    const hasIssuer = o.responseIssuer !== null;
    xml = sign(xml, key, o.sha1 === true, "/*[local-name(.)='Response']", {
      reference: hasIssuer
        ? "/*[local-name(.)='Response']/*[local-name(.)='Issuer']"
        : "/*[local-name(.)='Response']",
      action: hasIssuer ? 'after' : 'prepend',
    });
  }
  return xml;
}

/** The base64 form value an ACS receives. */
export function toFormValue(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}

function responseXml(idp: TestIdp, o: ResponseOptions): string {
  const issuer = o.issuer ?? idp.entityId;
  const responseIssuer = o.responseIssuer === undefined ? issuer : o.responseIssuer;
  const destination = o.destination === undefined ? o.acsUrl : o.destination;
  const irt = o.inResponseTo === null ? '' : ` InResponseTo="${esc(o.inResponseTo)}"`;
  const instant = o.now.toISOString();
  const status = o.status ?? { code: success };
  const statusXml =
    `<samlp:Status><samlp:StatusCode Value="${status.code}">` +
    (status.subCode ? `<samlp:StatusCode Value="${status.subCode}"/>` : '') +
    '</samlp:StatusCode>' +
    (status.message ? `<samlp:StatusMessage>${esc(status.message)}</samlp:StatusMessage>` : '') +
    '</samlp:Status>';
  const attributes = Object.entries(o.attributes ?? {})
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${esc(name)}">${values.map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
    )
    .join('');
  const assertion =
    `<saml:Assertion xmlns:saml="${saml}" ID="${o.assertionId ?? samlId()}" Version="2.0" IssueInstant="${instant}">` +
    `<saml:Issuer>${esc(issuer)}</saml:Issuer>` +
    '<saml:Subject>' +
    `<saml:NameID Format="${o.nameIdFormat ?? nameIdFormats.emailAddress}">${esc(o.nameId ?? 'alice@x.test')}</saml:NameID>` +
    '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
    `<saml:SubjectConfirmationData${irt} NotOnOrAfter="${(o.subjectNotOnOrAfter ?? minutes(o.now, 5)).toISOString()}"` +
    ` Recipient="${esc(o.recipient ?? o.acsUrl)}"/>` +
    '</saml:SubjectConfirmation>' +
    '</saml:Subject>' +
    `<saml:Conditions NotBefore="${(o.notBefore ?? minutes(o.now, -1)).toISOString()}"` +
    ` NotOnOrAfter="${(o.notOnOrAfter ?? minutes(o.now, 60)).toISOString()}">` +
    `<saml:AudienceRestriction><saml:Audience>${esc(o.audience)}</saml:Audience></saml:AudienceRestriction>` +
    '</saml:Conditions>' +
    `<saml:AuthnStatement AuthnInstant="${instant}" SessionIndex="${esc(o.sessionIndex ?? samlId())}">` +
    '<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport' +
    '</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>' +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    '</saml:Assertion>';
  return (
    `<samlp:Response xmlns:samlp="${samlp}" xmlns:saml="${saml}" ID="${samlId()}" Version="2.0"` +
    ` IssueInstant="${instant}"${destination === null ? '' : ` Destination="${esc(destination)}"`}${irt}>` +
    (responseIssuer === null ? '' : `<saml:Issuer>${esc(responseIssuer)}</saml:Issuer>`) +
    statusXml +
    assertion +
    '</samlp:Response>'
  );
}

function sign(
  xml: string,
  key: SamlKeyPair,
  sha1: boolean,
  xpath: string,
  location: { reference: string; action: 'after' | 'prepend' },
): string {
  const sig = new SignedXml({ privateKey: key.privateKey, publicCert: key.certificate });
  sig.signatureAlgorithm = sha1
    ? 'http://www.w3.org/2000/09/xmldsig#rsa-sha1'
    : 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
  sig.canonicalizationAlgorithm = 'http://www.w3.org/2001/10/xml-exc-c14n#';
  sig.addReference({
    xpath,
    digestAlgorithm: sha1
      ? 'http://www.w3.org/2000/09/xmldsig#sha1'
      : 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
  });
  sig.computeSignature(xml, { prefix: 'ds', location });
  return sig.getSignedXml();
}

const encryptXml = promisify(encrypt);

/** Replaces the Assertion with an EncryptedAssertion for the holder of `certificate`. */
async function encryptAssertion(xml: string, certificate: string): Promise<string> {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const assertion = doc.getElementsByTagNameNS(saml, 'Assertion')[0];
  if (!assertion?.parentNode) throw new Error('no assertion to encrypt');
  const encrypted = await encryptXml(new XMLSerializer().serializeToString(assertion), {
    rsa_pub: createPublicKey(certificate).export({ type: 'spki', format: 'pem' }),
    pem: certificate,
    encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
    keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  });
  const wrapper = new DOMParser().parseFromString(
    `<saml:EncryptedAssertion xmlns:saml="${saml}">${encrypted}</saml:EncryptedAssertion>`,
    'text/xml',
  ).documentElement;
  if (!wrapper) throw new Error('encryption produced nothing');
  assertion.parentNode.replaceChild(doc.importNode(wrapper, true), assertion);
  return new XMLSerializer().serializeToString(doc);
}

/** The IdP's metadata as IdPs publish it: SSO and SLO for both bindings, one KeyDescriptor per certificate. */
export function idpMetadataXml(
  idp: TestIdp,
  certificates: readonly string[] = [idp.keys.certificate],
): string {
  const md = 'urn:oasis:names:tc:SAML:2.0:metadata';
  const keys = certificates
    .map(
      (pem) =>
        '<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>' +
        pem.replace(/-----[A-Z ]+-----/g, '').trim() +
        '</X509Certificate></X509Data></KeyInfo></KeyDescriptor>',
    )
    .join('');
  const services = (name: string, location: string) =>
    ['HTTP-POST', 'HTTP-Redirect']
      .map(
        (b) => `<${name} Binding="urn:oasis:names:tc:SAML:2.0:bindings:${b}" Location="${esc(location)}"/>`,
      )
      .join('');
  return (
    `<?xml version="1.0" encoding="utf-8"?><EntityDescriptor xmlns="${md}" entityID="${esc(idp.entityId)}">` +
    `<IDPSSODescriptor protocolSupportEnumeration="${samlp}">${keys}` +
    services('SingleLogoutService', `${idp.ssoUrl}/logout`) +
    `<NameIDFormat>${nameIdFormats.emailAddress}</NameIDFormat>` +
    services('SingleSignOnService', idp.ssoUrl) +
    '</IDPSSODescriptor></EntityDescriptor>'
  );
}

/** What every logout message the test IdP makes can vary. */
export interface LogoutMessageOptions {
  readonly now: Date;
  /** Root@Destination; null leaves it out. */
  readonly destination: string | null;
  readonly issuer?: string;
  readonly id?: string;
  /** Characters of XML comment inside the message, to make it large. */
  readonly padding?: number;
}

export interface IdpLogoutRequestOptions extends LogoutMessageOptions {
  readonly nameId?: string;
  /** null leaves the Format out. */
  readonly nameIdFormat?: string | null;
  readonly sessionIndexes?: readonly string[];
  /** null leaves it out; five minutes after `now` when unset. */
  readonly notOnOrAfter?: Date | null;
}

export interface IdpLogoutResponseOptions extends LogoutMessageOptions {
  /** null leaves it out. */
  readonly inResponseTo: string | null;
  readonly status?: { readonly code: string; readonly subCode?: string; readonly message?: string };
}

/** How a logout message is signed and carried. */
export interface LogoutBindingOptions {
  /** False sends it unsigned. */
  readonly sign?: boolean;
  /** Another key to sign with: one the connection does not know. */
  readonly signingKey?: SamlKeyPair;
  readonly sha1?: boolean;
  /** Text put in front of the root element: a DOCTYPE, for the attack on the parser. */
  readonly prolog?: string;
}

export interface RedirectBindingOptions extends LogoutBindingOptions {
  readonly relayState?: string;
  /**
   * `uri` escapes as encodeURIComponent does; `form` as URLSearchParams
   * does (`+` for a space) with lower-case hex, as some encoders write it.
   * Either way the signature covers the bytes written.
   */
  readonly encoding?: 'uri' | 'form';
}

const rsaSha1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const rsaSha256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

function logoutPadding(o: LogoutMessageOptions): string {
  return o.padding ? `<!--${'x'.repeat(o.padding)}-->` : '';
}

function logoutRootAttributes(o: LogoutMessageOptions, id: string): string {
  const destination = o.destination === null ? '' : ` Destination="${esc(o.destination)}"`;
  return `xmlns:samlp="${samlp}" xmlns:saml="${saml}" ID="${id}" Version="2.0" IssueInstant="${o.now.toISOString()}"${destination}`;
}

/** An IdP-initiated LogoutRequest, unsigned, as IdPs shape it. */
export function idpLogoutRequestXml(idp: TestIdp, o: IdpLogoutRequestOptions): string {
  const end = o.notOnOrAfter === undefined ? minutes(o.now, 5) : o.notOnOrAfter;
  const format = o.nameIdFormat === undefined ? nameIdFormats.emailAddress : o.nameIdFormat;
  return (
    `<samlp:LogoutRequest ${logoutRootAttributes(o, o.id ?? samlId())}` +
    `${end === null ? '' : ` NotOnOrAfter="${end.toISOString()}"`}>` +
    `<saml:Issuer>${esc(o.issuer ?? idp.entityId)}</saml:Issuer>` +
    logoutPadding(o) +
    `<saml:NameID${format === null ? '' : ` Format="${esc(format)}"`}>${esc(o.nameId ?? 'alice@x.test')}</saml:NameID>` +
    (o.sessionIndexes ?? []).map((s) => `<samlp:SessionIndex>${esc(s)}</samlp:SessionIndex>`).join('') +
    '</samlp:LogoutRequest>'
  );
}

/** The IdP's LogoutResponse, unsigned, Success unless told otherwise. */
export function idpLogoutResponseXml(idp: TestIdp, o: IdpLogoutResponseOptions): string {
  const status = o.status ?? { code: success };
  const irt = o.inResponseTo === null ? '' : ` InResponseTo="${esc(o.inResponseTo)}"`;
  return (
    `<samlp:LogoutResponse ${logoutRootAttributes(o, o.id ?? samlId())}${irt}>` +
    `<saml:Issuer>${esc(o.issuer ?? idp.entityId)}</saml:Issuer>` +
    logoutPadding(o) +
    `<samlp:Status><samlp:StatusCode Value="${status.code}">` +
    (status.subCode ? `<samlp:StatusCode Value="${status.subCode}"/>` : '') +
    '</samlp:StatusCode>' +
    (status.message ? `<samlp:StatusMessage>${esc(status.message)}</samlp:StatusMessage>` : '') +
    '</samlp:Status></samlp:LogoutResponse>'
  );
}

/** The POST binding: an enveloped signature after the Issuer (xml-crypto), as the base64 form value. */
export function logoutPostValue(idp: TestIdp, xml: string, o: LogoutBindingOptions = {}): string {
  let signed = xml;
  if (o.sign ?? true) {
    signed = sign(xml, o.signingKey ?? idp.keys, o.sha1 === true, '/*', {
      reference: "/*/*[local-name(.)='Issuer']",
      action: 'after',
    });
  }
  return toFormValue(`${o.prolog ?? ''}${signed}`);
}

/**
 * The Redirect binding: the raw query string (everything after `?`), the
 * message deflated and the query signed over SAMLRequest or SAMLResponse,
 * RelayState and SigAlg as written.
 */
export function logoutRedirectQuery(
  idp: TestIdp,
  xml: string,
  parameter: 'SAMLRequest' | 'SAMLResponse',
  o: RedirectBindingOptions = {},
): string {
  const encode =
    o.encoding === 'form'
      ? (v: string) =>
          new URLSearchParams({ v })
            .toString()
            .slice(2)
            .replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
      : encodeURIComponent;
  const deflated = deflateRawSync(Buffer.from(`${o.prolog ?? ''}${xml}`, 'utf8')).toString('base64');
  let query = `${parameter}=${encode(deflated)}`;
  if (o.relayState !== undefined) query += `&RelayState=${encode(o.relayState)}`;
  if (!(o.sign ?? true)) return query;
  query += `&SigAlg=${encode(o.sha1 ? rsaSha1 : rsaSha256)}`;
  const key = (o.signingKey ?? idp.keys).privateKey;
  const signature = signWith(o.sha1 ? 'sha1' : 'sha256', Buffer.from(query, 'utf8'), key).toString('base64');
  return `${query}&Signature=${encode(signature)}`;
}
