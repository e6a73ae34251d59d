import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { buildSpMetadata, nameIdFormats, parseIdpMetadata } from '../../../src/protocols/saml/index.ts';
import {
  acsUrl,
  connectionFor,
  type SamlWorld,
  samlWorld,
  signIn,
  spEntityId,
} from '../../support/saml-fixtures.ts';
import { idpMetadataXml } from '../../support/saml-idp.ts';

const md = 'urn:oasis:names:tc:SAML:2.0:metadata';
const pem = (body: string) => new X509Certificate(Buffer.from(body, 'base64')).toString();

/** What an IdP reads from Muster's SP metadata. */
function readSpMetadata(xml: string) {
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement as Element;
  const sp = root.getElementsByTagNameNS(md, 'SPSSODescriptor')[0] as Element;
  const certificate = (use: string) => {
    const key = [...Array.from(sp.getElementsByTagNameNS(md, 'KeyDescriptor'))].find(
      (k) => k.getAttribute('use') === use,
    );
    const body = key?.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'X509Certificate')[0]
      ?.textContent;
    return body ? pem(body) : undefined;
  };
  const acs = sp.getElementsByTagNameNS(md, 'AssertionConsumerService')[0];
  return {
    root,
    sp,
    signing: certificate('signing'),
    encryption: certificate('encryption'),
    acs: { binding: acs?.getAttribute('Binding'), location: acs?.getAttribute('Location') },
    slo: Array.from(sp.getElementsByTagNameNS(md, 'SingleLogoutService')).map((s) =>
      s.getAttribute('Binding'),
    ),
    nameIdFormat: sp.getElementsByTagNameNS(md, 'NameIDFormat')[0]?.textContent,
  };
}

describe('SAML metadata', () => {
  let w: SamlWorld;
  before(async () => {
    w = await samlWorld();
  });

  describe('SP metadata', () => {
    it('publishes the entity id, ACS, both certificates, signed requests and wanted signed assertions', () => {
      const m = readSpMetadata(buildSpMetadata(connectionFor(w)));
      assert.equal(m.root.namespaceURI, md);
      assert.equal(m.root.getAttribute('entityID'), spEntityId);
      assert.equal(m.sp.getAttribute('AuthnRequestsSigned'), 'true');
      assert.equal(m.sp.getAttribute('WantAssertionsSigned'), 'true');
      assert.equal(m.sp.getAttribute('protocolSupportEnumeration'), 'urn:oasis:names:tc:SAML:2.0:protocol');
      assert.equal(m.signing, new X509Certificate(w.spSigning.certificate).toString());
      assert.equal(m.encryption, new X509Certificate(w.spEncryption.certificate).toString());
      assert.deepEqual(m.acs, {
        binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
        location: acsUrl,
      });
      assert.equal(m.nameIdFormat, nameIdFormats.emailAddress);
      assert.deepEqual(m.slo, []);
    });

    it('publishes Single Logout when the connection has an SLO URL, and escapes what it writes', () => {
      const base = connectionFor(w);
      const xml = buildSpMetadata({
        ...base,
        sp: { ...base.sp, sloUrl: 'https://muster.test/slo?a=1&b=2', entityId: 'urn:x:"<sp>"' },
      });
      const m = readSpMetadata(xml);
      assert.equal(m.root.getAttribute('entityID'), 'urn:x:"<sp>"');
      assert.deepEqual(m.slo, [
        'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
        'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
      ]);
      assert.equal(
        m.sp.getElementsByTagNameNS(md, 'SingleLogoutService')[0]?.getAttribute('Location'),
        'https://muster.test/slo?a=1&b=2',
      );
    });

    it('says WantAssertionsSigned="false" only for a connection that allows unsigned assertions', () => {
      const m = readSpMetadata(buildSpMetadata(connectionFor(w, { allowUnsignedAssertions: true })));
      assert.equal(m.sp.getAttribute('WantAssertionsSigned'), 'false');
    });

    it('round trip: an IdP encrypting to the certificate in the metadata signs a person in', async () => {
      const connection = connectionFor(w);
      const { encryption } = readSpMetadata(buildSpMetadata(connection));
      const claims = await signIn(w, connection, { encryptTo: encryption, signResponse: false });
      assert.equal(claims.email, 'alice@x.test');
    });
  });

  describe('IdP metadata', () => {
    it('takes the entity id, the HTTP-Redirect SSO URL, the SLO URL and every signing certificate', () => {
      const xml = idpMetadataXml(w.idp, [w.idp.keys.certificate, w.nextIdpKeys.certificate]);
      const m = parseIdpMetadata(xml);
      assert.equal(m.entityId, w.idp.entityId);
      assert.equal(m.ssoUrl, w.idp.ssoUrl);
      assert.equal(m.ssoBinding, 'redirect');
      assert.equal(m.sloUrl, `${w.idp.ssoUrl}/logout`);
      assert.deepEqual(
        m.certificates.map((c) => new X509Certificate(c).fingerprint256),
        [w.idp.keys.certificate, w.nextIdpKeys.certificate].map((c) => new X509Certificate(c).fingerprint256),
      );
    });

    it('falls back to the HTTP-POST SSO URL, and reads an EntitiesDescriptor holding one IdP', () => {
      const xml = idpMetadataXml(w.idp)
        .replace(/<SingleSignOnService Binding="[^"]*HTTP-Redirect"[^>]*\/>/, '')
        .replace(/<SingleLogoutService[^>]*\/>/g, '')
        .replace('<?xml version="1.0" encoding="utf-8"?>', `<EntitiesDescriptor xmlns="${md}">`)
        .concat('</EntitiesDescriptor>');
      const m = parseIdpMetadata(xml);
      assert.equal(m.ssoBinding, 'post');
      assert.equal(m.ssoUrl, w.idp.ssoUrl);
      assert.equal(m.sloUrl, null);
    });

    it('round trip: a connection made from the metadata signs a person in', async () => {
      const m = parseIdpMetadata(idpMetadataXml(w.idp));
      const connection = connectionFor(w, {
        idp: { entityId: m.entityId, ssoUrl: m.ssoUrl, certificates: m.certificates },
      });
      assert.equal((await signIn(w, connection)).email, 'alice@x.test');
    });

    const refused: readonly { name: string; xml: (xml: string) => string; reason: string }[] = [
      {
        name: 'a DOCTYPE',
        xml: (xml) =>
          xml.replace(
            '<EntityDescriptor',
            '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><EntityDescriptor',
          ),
        reason: 'saml_doctype_refused',
      },
      {
        name: 'no IdP',
        xml: (xml) => xml.replace(/IDPSSODescriptor/g, 'SPSSODescriptor'),
        reason: 'saml_metadata_invalid',
      },
      {
        name: 'two IdPs',
        xml: (xml) => {
          const entity = xml.replace('<?xml version="1.0" encoding="utf-8"?>', '');
          return `<EntitiesDescriptor xmlns="${md}">${entity}${entity.replace('idp.x.test/saml', 'idp2')}</EntitiesDescriptor>`;
        },
        reason: 'saml_metadata_invalid',
      },
      {
        name: 'a certificate that does not parse',
        xml: (xml) => xml.replace(/<X509Certificate>[^<]*</, '<X509Certificate>bm90IGEgY2VydA==<'),
        reason: 'saml_metadata_invalid',
      },
      {
        name: 'no certificate',
        xml: (xml) => xml.replace(/<KeyDescriptor[\s\S]*?<\/KeyDescriptor>/g, ''),
        reason: 'saml_metadata_invalid',
      },
      {
        name: 'no SSO endpoint',
        xml: (xml) => xml.replace(/<SingleSignOnService[^>]*\/>/g, ''),
        reason: 'saml_metadata_invalid',
      },
      {
        name: 'more than 1 MiB',
        xml: (xml) => xml.replace('</EntityDescriptor>', `<!--${'x'.repeat(1 << 20)}--></EntityDescriptor>`),
        reason: 'saml_too_large',
      },
      { name: 'not XML', xml: () => '<EntityDescriptor', reason: 'saml_malformed' },
    ];
    for (const { name, xml, reason } of refused) {
      it(`refuses metadata with ${name}: ${reason}`, () => {
        assert.throws(() => parseIdpMetadata(xml(idpMetadataXml(w.idp))), { reason });
      });
    }
  });
});
