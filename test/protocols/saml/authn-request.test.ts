import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { buildAuthnRequest, nameIdFormats } from '../../../src/protocols/saml/index.ts';
import {
  acsUrl,
  connectionFor,
  fixedNow,
  type SamlWorld,
  samlWorld,
  spEntityId,
} from '../../support/saml-fixtures.ts';

const protocol = 'urn:oasis:names:tc:SAML:2.0:protocol';

/** The query as sent, split into the signed part and the signature, and the request XML inflated. */
function decode(url: string) {
  const query = url.slice(url.indexOf('?') + 1);
  const at = query.lastIndexOf('&Signature=');
  const signed = query.slice(0, at);
  const params = new URLSearchParams(query);
  const xml = inflateRawSync(Buffer.from(params.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  const request = new DOMParser().parseFromString(xml, 'text/xml').documentElement as Element;
  return { query, signed, params, request, signature: Buffer.from(params.get('Signature') ?? '', 'base64') };
}

describe('SAML AuthnRequest (HTTP-Redirect)', () => {
  let w: SamlWorld;
  before(async () => {
    w = await samlWorld();
  });

  it('is deflated, names the ACS and the SP, and asks for the preset NameID format', () => {
    const connection = connectionFor(w);
    const { url, requestId } = buildAuthnRequest(connection, { relayState: 'r1', now: fixedNow });
    assert.ok(url.startsWith(`${w.idp.ssoUrl}?SAMLRequest=`));
    const { request, params } = decode(url);
    assert.equal(request.namespaceURI, protocol);
    assert.equal(request.localName, 'AuthnRequest');
    assert.equal(request.getAttribute('ID'), requestId);
    assert.match(requestId, /^_[0-9a-f]{40}$/);
    assert.equal(request.getAttribute('Version'), '2.0');
    assert.equal(request.getAttribute('IssueInstant'), fixedNow.toISOString());
    assert.equal(request.getAttribute('Destination'), w.idp.ssoUrl);
    assert.equal(request.getAttribute('AssertionConsumerServiceURL'), acsUrl);
    assert.equal(request.getAttribute('ProtocolBinding'), 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    const issuer = request.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Issuer')[0];
    assert.equal(issuer?.textContent, spEntityId);
    const policy = request.getElementsByTagNameNS(protocol, 'NameIDPolicy')[0];
    assert.equal(policy?.getAttribute('Format'), nameIdFormats.emailAddress);
    assert.equal(params.get('RelayState'), 'r1');
    assert.equal(params.get('SigAlg'), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
  });

  it('is signed over the query exactly as sent, verifiable with the SP signing certificate', () => {
    const connection = connectionFor(w);
    const relayState = 'a b~c!/é';
    const { url } = buildAuthnRequest(connection, { relayState });
    const { signed, signature, params } = decode(url);
    assert.equal(params.get('RelayState'), relayState);
    assert.match(signed, /^SAMLRequest=[^&]+&RelayState=[^&]+&SigAlg=[^&]+$/);
    const key = createPublicKey(w.spSigning.certificate);
    assert.ok(verify('sha256', Buffer.from(signed), key, signature));
    assert.equal(
      verify('sha256', Buffer.from(signed.replace('RelayState=a', 'RelayState=b')), key, signature),
      false,
    );
    assert.equal(
      verify('sha256', Buffer.from(signed), createPublicKey(w.strangerKeys.certificate), signature),
      false,
    );
  });

  it('leaves RelayState out when none is given, and keeps a query the SSO URL already has', () => {
    const connection = connectionFor(w, {
      idp: { ...connectionFor(w).idp, ssoUrl: 'https://idp.x.test/sso?tenant=7' },
    });
    const { url } = buildAuthnRequest(connection);
    assert.ok(url.startsWith('https://idp.x.test/sso?tenant=7&SAMLRequest='));
    const { signed, signature, params } = decode(url);
    assert.equal(params.get('RelayState'), null);
    assert.ok(signed.startsWith('tenant=7&SAMLRequest='));
    const own = signed.slice('tenant=7&'.length);
    assert.ok(verify('sha256', Buffer.from(own), createPublicKey(w.spSigning.certificate), signature));
  });

  it('uses a new request id each time', () => {
    const connection = connectionFor(w);
    assert.notEqual(buildAuthnRequest(connection).requestId, buildAuthnRequest(connection).requestId);
  });

  it('asks for the connection NameID format, and ForceAuthn when told', () => {
    const connection = connectionFor(w, { nameIdFormat: nameIdFormats.persistent });
    const { request } = decode(buildAuthnRequest(connection, { forceAuthn: true }).url);
    assert.equal(request.getAttribute('ForceAuthn'), 'true');
    const policy = request.getElementsByTagNameNS(protocol, 'NameIDPolicy')[0];
    assert.equal(policy?.getAttribute('Format'), nameIdFormats.persistent);
  });

  it('refuses a RelayState over the 80 bytes the binding allows', () => {
    assert.throws(() => buildAuthnRequest(connectionFor(w), { relayState: 'x'.repeat(81) }), RangeError);
  });
});
