import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import {
  buildLogoutRequest,
  buildLogoutResponse,
  nameIdFormats,
  type SamlConnection,
  validateLogoutRequest,
  validateLogoutResponse,
} from '../../../src/protocols/saml/index.ts';
import {
  connectionFor,
  fixedNow,
  type SamlWorld,
  samlWorld,
  spEntityId,
} from '../../support/saml-fixtures.ts';

const protocol = 'urn:oasis:names:tc:SAML:2.0:protocol';
const assertion = 'urn:oasis:names:tc:SAML:2.0:assertion';
const spSloUrl = 'https://muster.test/sso/saml/conn-1/slo';
const idpSloUrl = 'https://idp.x.test/sso/logout';
const person = { nameId: 'alice@x.test', nameIdFormat: nameIdFormats.emailAddress, sessionIndex: '_s1' };

function sloConnection(w: SamlWorld): SamlConnection {
  const base = connectionFor(w);
  return { ...base, idp: { ...base.idp, sloUrl: idpSloUrl }, sp: { ...base.sp, sloUrl: spSloUrl } };
}

/**
 * Muster's messages as the IdP receives them: Muster's entity id and
 * signing certificate on the sending side, the IdP's SLO URL as the
 * receiving one. Validating with it shows that what Muster signs is what a
 * receiver re-derives from the query as sent.
 */
function asTheIdpSeesIt(w: SamlWorld): SamlConnection {
  const base = sloConnection(w);
  return {
    ...base,
    idp: { entityId: spEntityId, ssoUrl: w.idp.ssoUrl, certificates: [w.spSigning.certificate] },
    sp: { ...base.sp, sloUrl: idpSloUrl },
  };
}

function decode(url: string) {
  const query = url.slice(url.indexOf('?') + 1);
  const signed = query.slice(0, query.lastIndexOf('&Signature='));
  const params = new URLSearchParams(query);
  const value = params.get('SAMLRequest') ?? params.get('SAMLResponse') ?? '';
  const xml = inflateRawSync(Buffer.from(value, 'base64')).toString('utf8');
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement as Element;
  return { query, signed, params, root, signature: Buffer.from(params.get('Signature') ?? '', 'base64') };
}

describe("Muster's Single Logout messages (HTTP-Redirect)", () => {
  let w: SamlWorld;
  before(async () => {
    w = await samlWorld();
  });

  it('sends a LogoutRequest to the IdP SLO URL naming the person and the session', () => {
    const { url, requestId } = buildLogoutRequest(sloConnection(w), { ...person, now: fixedNow });
    assert.ok(url.startsWith(`${idpSloUrl}?SAMLRequest=`));
    const { root } = decode(url);
    assert.equal(root.namespaceURI, protocol);
    assert.equal(root.localName, 'LogoutRequest');
    assert.equal(root.getAttribute('ID'), requestId);
    assert.match(requestId, /^_[0-9a-f]{40}$/);
    assert.equal(root.getAttribute('Destination'), idpSloUrl);
    assert.equal(root.getAttribute('IssueInstant'), fixedNow.toISOString());
    assert.equal(root.getAttribute('NotOnOrAfter'), new Date(fixedNow.getTime() + 300_000).toISOString());
    assert.equal(root.getElementsByTagNameNS(assertion, 'Issuer')[0]?.textContent, spEntityId);
    const nameId = root.getElementsByTagNameNS(assertion, 'NameID')[0];
    assert.equal(nameId?.textContent, 'alice@x.test');
    assert.equal(nameId?.getAttribute('Format'), nameIdFormats.emailAddress);
    assert.equal(root.getElementsByTagNameNS(protocol, 'SessionIndex')[0]?.textContent, '_s1');
  });

  it('signs the LogoutRequest over the query as sent, verifiable with the SP signing certificate', () => {
    const relayState = 'a b~c!/é';
    const { url } = buildLogoutRequest(sloConnection(w), { ...person, relayState });
    const { signed, signature, params } = decode(url);
    assert.equal(params.get('RelayState'), relayState);
    assert.match(signed, /^SAMLRequest=[^&]+&RelayState=[^&]+&SigAlg=[^&]+$/);
    assert.ok(verify('sha256', Buffer.from(signed), createPublicKey(w.spSigning.certificate), signature));
    assert.equal(
      verify('sha256', Buffer.from(signed), createPublicKey(w.strangerKeys.certificate), signature),
      false,
    );
  });

  it('sends a LogoutRequest that a receiver validates from the raw query, with the same person', () => {
    const { url, requestId } = buildLogoutRequest(sloConnection(w), {
      ...person,
      relayState: 'a b~c!/é',
      now: fixedNow,
    });
    const received = validateLogoutRequest(
      asTheIdpSeesIt(w),
      { query: url.slice(url.indexOf('?') + 1) },
      { now: fixedNow },
    );
    assert.deepEqual(received, {
      requestId,
      nameId: 'alice@x.test',
      nameIdFormat: nameIdFormats.emailAddress,
      sessionIndexes: ['_s1'],
      issuer: spEntityId,
      relayState: 'a b~c!/é',
    });
  });

  it('leaves Format and SessionIndex out when the sign-in had none', () => {
    const { url } = buildLogoutRequest(sloConnection(w), {
      nameId: 'u-1',
      nameIdFormat: null,
      sessionIndex: null,
    });
    const { root, params } = decode(url);
    assert.equal(root.getElementsByTagNameNS(assertion, 'NameID')[0]?.hasAttribute('Format'), false);
    assert.equal(root.getElementsByTagNameNS(protocol, 'SessionIndex').length, 0);
    assert.equal(params.get('RelayState'), null);
  });

  for (const status of ['success', 'partial'] as const) {
    it(`answers an IdP's LogoutRequest with ${status}, which a receiver validates`, () => {
      const { url } = buildLogoutResponse(sloConnection(w), {
        inResponseTo: '_idp_request',
        status,
        relayState: 'idp-state',
        now: fixedNow,
      });
      assert.ok(url.startsWith(`${idpSloUrl}?SAMLResponse=`));
      const { root } = decode(url);
      assert.equal(root.localName, 'LogoutResponse');
      assert.equal(root.getAttribute('InResponseTo'), '_idp_request');
      assert.equal(root.getAttribute('Destination'), idpSloUrl);
      const received = validateLogoutResponse(
        asTheIdpSeesIt(w),
        { query: url.slice(url.indexOf('?') + 1) },
        { expectedRequestId: '_idp_request', now: fixedNow },
      );
      assert.deepEqual(received, { inResponseTo: '_idp_request', status, relayState: 'idp-state' });
    });
  }

  it('offers no Single Logout where the IdP has no SLO URL', () => {
    const connection = connectionFor(w);
    assert.throws(() => buildLogoutRequest(connection, person), { reason: 'saml_logout_unavailable' });
    assert.throws(() => buildLogoutResponse(connection, { inResponseTo: '_r', status: 'success' }), {
      reason: 'saml_logout_unavailable',
    });
  });

  it('refuses a RelayState over the 80 bytes the binding allows', () => {
    assert.throws(
      () => buildLogoutRequest(sloConnection(w), { ...person, relayState: 'x'.repeat(81) }),
      RangeError,
    );
  });
});
