import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  buildSpMetadata,
  generateSamlKeyPair,
  lintIdpMetadata,
  type MetadataExpectations,
  type MetadataFinding,
  nameIdFormats,
  type SamlKeyPair,
} from '../../../src/protocols/saml/index.ts';
import { connectionFor, type SamlWorld, samlWorld, spEntityId } from '../../support/saml-fixtures.ts';
import { idpMetadataXml } from '../../support/saml-idp.ts';

/**
 * The lint an admin sees when they upload an IdP's metadata: each case is
 * a document as IdPs (or mistaken uploads) shape it, with real
 * certificates, and the findings it must produce, by code and severity,
 * with the words that tell the admin what to change.
 */

const md = 'urn:oasis:names:tc:SAML:2.0:metadata';
const dsig = 'http://www.w3.org/2000/09/xmldsig#';
const now = new Date();
const dayMs = 86_400_000;

interface Keys {
  readonly w: SamlWorld;
  /** Ended a year ago. */
  readonly expired: SamlKeyPair;
  /** Ends in ten days. */
  readonly expiring: SamlKeyPair;
}

const body = (pem: string) => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
const keyDescriptor = (pem: string, use: string | null) =>
  `<KeyDescriptor${use === null ? '' : ` use="${use}"`}><KeyInfo xmlns="${dsig}"><X509Data>` +
  `<X509Certificate>${body(pem)}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`;

/** An IdP's metadata written by hand, for the shapes the test IdP does not publish. */
function metadata(o: {
  entityId?: string;
  keys?: string;
  sso?: readonly string[];
  nameIdFormats?: readonly string[];
  protocol?: string;
}): string {
  const sso = (o.sso ?? ['HTTP-Redirect'])
    .map(
      (b) =>
        `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${b}" Location="https://idp.x.test/sso"/>`,
    )
    .join('');
  return (
    `<EntityDescriptor xmlns="${md}" entityID="${o.entityId ?? 'https://idp.x.test/saml'}">` +
    `<IDPSSODescriptor protocolSupportEnumeration="${o.protocol ?? 'urn:oasis:names:tc:SAML:2.0:protocol'}">` +
    (o.keys ?? '') +
    (o.nameIdFormats ?? []).map((f) => `<NameIDFormat>${f}</NameIDFormat>`).join('') +
    sso +
    '</IDPSSODescriptor></EntityDescriptor>'
  );
}

interface Case {
  readonly name: string;
  readonly xml: (k: Keys) => string;
  readonly expect?: Partial<MetadataExpectations>;
  /** `code:severity` of each finding, in order. */
  readonly findings: readonly string[];
  /** Words each message (in order) must hold. */
  readonly says?: readonly (RegExp | ((k: Keys) => RegExp))[];
}

const cases: readonly Case[] = [
  {
    name: "the test IdP's metadata, as IdPs publish it: nothing to say",
    xml: (k) => idpMetadataXml(k.w.idp),
    findings: [],
  },
  {
    name: 'not XML at all',
    xml: () => 'Please find the metadata attached.',
    findings: ['unreadable:error'],
    says: [/not readable XML.*download the metadata XML again/],
  },
  {
    name: 'XML with a DOCTYPE (never part of SAML metadata)',
    xml: (k) => `<!DOCTYPE x [<!ENTITY a "b">]>${idpMetadataXml(k.w.idp)}`,
    findings: ['unreadable:error'],
  },
  {
    name: 'XML, but not SAML metadata',
    xml: () => '<html><body>Sign in</body></html>',
    findings: ['unreadable:error'],
    says: [/not SAML 2\.0 metadata \(its root is <html>\)/],
  },
  {
    name: "Muster's own SP metadata uploaded by mistake",
    xml: (k) => buildSpMetadata(connectionFor(k.w)),
    findings: ['not_idp_metadata:error'],
    says: [/Muster's own service provider metadata.*upload the metadata the IdP publishes/],
  },
  {
    name: "another service provider's metadata",
    xml: (k) =>
      buildSpMetadata(connectionFor(k.w, { sp: { ...connectionFor(k.w).sp, entityId: 'urn:other' } })),
    findings: ['not_idp_metadata:error'],
    says: [/describes a service provider, not an identity provider/],
  },
  {
    name: "a federation's list of two IdPs",
    xml: (k) =>
      `<EntitiesDescriptor xmlns="${md}">${[k.w.idp, { ...k.w.idp, entityId: 'urn:second' }]
        .map((idp) => idpMetadataXml(idp).replace(/^<\?xml[^>]*\?>/, ''))
        .join('')}</EntitiesDescriptor>`,
    findings: ['not_idp_metadata:error'],
    says: [/describes 2 identity providers/],
  },
  {
    name: 'an IdP without SAML 2.0 in its protocolSupportEnumeration',
    xml: (k) =>
      metadata({
        keys: keyDescriptor(k.w.idp.keys.certificate, 'signing'),
        protocol: 'urn:oasis:names:tc:SAML:1.1:protocol',
      }),
    findings: ['not_idp_metadata:error'],
  },
  {
    name: 'the only signing certificate expired',
    xml: (k) => idpMetadataXml(k.w.idp, [k.expired.certificate]),
    findings: ['certificate_expired:error'],
    says: [
      (k) => new RegExp(`expired on ${isoDay(k.expired.certificate)}.*create a new signing certificate`),
    ],
  },
  {
    name: 'an expired certificate beside a valid one (a rollover not yet cleaned up)',
    xml: (k) => idpMetadataXml(k.w.idp, [k.expired.certificate, k.w.idp.keys.certificate]),
    findings: ['certificate_expired:warning'],
    says: [/another certificate in the metadata is still valid/],
  },
  {
    name: 'a signing certificate ending in ten days',
    xml: (k) => idpMetadataXml(k.w.idp, [k.expiring.certificate]),
    findings: ['certificate_expiring:warning'],
    says: [
      (k) => new RegExp(`expires on ${isoDay(k.expiring.certificate)}, in 10 days: create its successor`),
    ],
  },
  {
    name: 'a certificate ending in 40 days is not flagged yet',
    xml: (k) => idpMetadataXml(k.w.idp, [k.expiring.certificate]),
    expect: { now: new Date(now.getTime() - 30 * dayMs) },
    findings: [],
  },
  {
    name: 'no KeyDescriptor at all',
    xml: () => metadata({}),
    findings: ['no_signing_certificate:error'],
    says: [/no signing certificate.*use="signing"/],
  },
  {
    name: 'only an encryption key',
    xml: (k) => metadata({ keys: keyDescriptor(k.w.idp.keys.certificate, 'encryption') }),
    findings: ['no_signing_certificate:error'],
  },
  {
    name: 'a key without a use signs',
    xml: (k) => metadata({ keys: keyDescriptor(k.w.idp.keys.certificate, null) }),
    findings: [],
  },
  {
    name: 'a signing certificate that is not X.509',
    xml: () =>
      metadata({
        keys: `<KeyDescriptor use="signing"><KeyInfo xmlns="${dsig}"><X509Data><X509Certificate>bm90IGEgY2VydA==</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`,
      }),
    findings: ['unreadable:error'],
    says: [/not a valid X\.509 certificate/],
  },
  {
    name: 'single sign-on by SOAP and Artifact only',
    xml: (k) =>
      metadata({ keys: keyDescriptor(k.w.idp.keys.certificate, 'signing'), sso: ['SOAP', 'HTTP-Artifact'] }),
    findings: ['wrong_binding:error'],
    says: [/only by SOAP, HTTP-Artifact.*Enable the HTTP-Redirect or HTTP-POST binding/],
  },
  {
    name: 'no SingleSignOnService',
    xml: (k) => metadata({ keys: keyDescriptor(k.w.idp.keys.certificate, 'signing'), sso: [] }),
    findings: ['wrong_binding:error'],
  },
  {
    name: 'HTTP-POST alone will do',
    xml: (k) => metadata({ keys: keyDescriptor(k.w.idp.keys.certificate, 'signing'), sso: ['HTTP-POST'] }),
    findings: [],
  },
  {
    name: "the IdP's issuer set to Muster's entity id",
    xml: (k) => idpMetadataXml({ ...k.w.idp, entityId: spEntityId }),
    findings: ['entity_id_mismatch:error'],
    says: [/Muster's own entity id/],
  },
  {
    name: 'another IdP than the connection trusts now',
    xml: (k) => idpMetadataXml({ ...k.w.idp, entityId: 'https://new-idp.x.test' }),
    expect: { idpEntityId: 'https://idp.x.test/saml' },
    findings: ['entity_id_mismatch:warning'],
    says: [/sign-ins from https:\/\/idp\.x\.test\/saml will stop/],
  },
  {
    name: 'the same IdP as the connection trusts now',
    xml: (k) => idpMetadataXml(k.w.idp),
    expect: { idpEntityId: 'https://idp.x.test/saml' },
    findings: [],
  },
  {
    name: 'Okta asks for emailAddress; the IdP lists persistent alone',
    xml: (k) =>
      metadata({
        keys: keyDescriptor(k.w.idp.keys.certificate, 'signing'),
        nameIdFormats: [nameIdFormats.persistent],
      }),
    findings: ['nameid_format:warning'],
    says: [/lists the NameID formats .*persistent, but not .*emailAddress.*okta/],
  },
  {
    name: 'the generic preset lets the IdP choose the NameID format',
    xml: (k) =>
      metadata({
        keys: keyDescriptor(k.w.idp.keys.certificate, 'signing'),
        nameIdFormats: [nameIdFormats.persistent],
      }),
    expect: { provider: 'generic' },
    findings: [],
  },
  {
    name: "the connection's own NameID format is what counts",
    xml: (k) =>
      metadata({
        keys: keyDescriptor(k.w.idp.keys.certificate, 'signing'),
        nameIdFormats: [nameIdFormats.persistent],
      }),
    expect: { nameIdFormat: nameIdFormats.persistent },
    findings: [],
  },
  {
    name: 'several problems at once, each reported',
    xml: (k) =>
      metadata({
        entityId: 'https://other-idp.x.test',
        keys: keyDescriptor(k.expiring.certificate, 'signing'),
        sso: ['SOAP'],
        nameIdFormats: [nameIdFormats.persistent],
      }),
    expect: { idpEntityId: 'https://idp.x.test/saml' },
    findings: [
      'entity_id_mismatch:warning',
      'wrong_binding:error',
      'certificate_expiring:warning',
      'nameid_format:warning',
    ],
  },
];

/** The day a certificate ends, as the findings name it. */
function isoDay(pem: string): string {
  return new Date(new X509Certificate(pem).validTo).toISOString().slice(0, 10);
}

describe('IdP metadata lint', () => {
  let keys: Keys;
  before(async () => {
    const [expired, expiring] = await Promise.all([
      generateSamlKeyPair({
        commonName: 'idp expired',
        now: new Date(now.getTime() - 2 * 365 * dayMs),
        validForDays: 365,
      }),
      generateSamlKeyPair({ commonName: 'idp expiring', now, validForDays: 10 }),
    ]);
    keys = { w: await samlWorld(), expired, expiring };
  });

  for (const c of cases) {
    it(c.name, () => {
      const found: MetadataFinding[] = lintIdpMetadata(c.xml(keys), {
        spEntityId,
        provider: 'okta',
        now,
        ...c.expect,
      });
      assert.deepEqual(
        found.map((f) => `${f.code}:${f.severity}`),
        c.findings,
        JSON.stringify(found, null, 2),
      );
      for (const [i, says] of (c.says ?? []).entries()) {
        const pattern = typeof says === 'function' ? says(keys) : says;
        assert.match(found[i]?.message ?? '', pattern);
      }
    });
  }
});
