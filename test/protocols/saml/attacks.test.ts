import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  type SamlConnection,
  type SamlReason,
  samlReasons,
  validateSamlResponse,
} from '../../../src/protocols/saml/index.ts';
import { addAssertionOf, childNamed, transform } from '../../support/saml-attacks.ts';
import {
  acsUrl,
  connectionFor,
  fixedNow,
  type SamlWorld,
  samlWorld,
  spEntityId,
  spInitiated,
} from '../../support/saml-fixtures.ts';
import { buildResponse, type ResponseOptions, samlId, toFormValue } from '../../support/saml-idp.ts';
import { MemoryReplayStore } from '../../support/saml-replay-store.ts';

/** One attack: how the message is made, for which connection, and the reason it must be refused for. */
interface Attack {
  readonly name: string;
  readonly reason: SamlReason;
  readonly connection?: Partial<SamlConnection>;
  /** Builds the message (XML, or the raw form value when `raw`) from a valid SP-initiated response's options. */
  readonly build: (w: SamlWorld, base: ResponseOptions) => Promise<string>;
  readonly raw?: boolean;
  /** Text the error message must contain. */
  readonly message?: RegExp;
}

const later = (minutes: number) => new Date(fixedNow.getTime() + minutes * 60_000);
const email = (address: string) => ({ email: [address] });

const attacks: readonly Attack[] = [
  {
    name: 'unsigned response and assertion',
    reason: 'saml_unsigned',
    build: (w, base) => buildResponse(w.idp, { ...base, signResponse: false, signAssertion: false }),
  },
  {
    name: 'signed response wrapping an unsigned assertion',
    reason: 'saml_unsigned',
    build: (w, base) => buildResponse(w.idp, { ...base, signResponse: true, signAssertion: false }),
  },
  {
    name: 'signed response wrapping a tampered signed assertion',
    reason: 'saml_bad_signature',
    build: async (w, base) =>
      tamperNameId(await buildResponse(w.idp, { ...base, signResponse: true, signAssertion: true })),
  },
  {
    name: 'signed response wrapping a tampered unsigned assertion (unsigned assertions allowed)',
    reason: 'saml_bad_signature',
    connection: { allowUnsignedAssertions: true },
    build: async (w, base) =>
      tamperNameId(await buildResponse(w.idp, { ...base, signResponse: true, signAssertion: false })),
  },
  {
    name: 'tampered signed assertion in an unsigned response',
    reason: 'saml_bad_signature',
    build: async (w, base) => tamperNameId(await buildResponse(w.idp, { ...base, signResponse: false })),
  },
  {
    name: 'signed by a key that is not the connection IdP certificate',
    reason: 'saml_bad_signature',
    build: (w, base) => buildResponse(w.idp, { ...base, signingKey: w.strangerKeys }),
  },
  {
    name: 'response signed by a stranger around an assertion signed by the IdP',
    reason: 'saml_bad_signature',
    build: async (w, base) => {
      const good = await buildResponse(w.idp, { ...base, signResponse: false });
      const stranger = await buildResponse(w.idp, {
        ...base,
        signAssertion: false,
        signingKey: w.strangerKeys,
      });
      return transform(stranger, (doc, root) => {
        root.replaceChild(
          doc.importNode(childNamed(parse(good), 'Assertion'), true),
          childNamed(root, 'Assertion'),
        );
      });
    },
  },
  {
    name: 'two signed assertions in one response',
    reason: 'saml_multiple_assertions',
    build: async (w, base) =>
      addAssertionOf(
        await buildResponse(w.idp, { ...base, signResponse: false }),
        await buildResponse(w.idp, { ...base, signResponse: false, nameId: 'eve@x.test' }),
      ),
  },
  {
    name: 'an assertion and an encrypted assertion in one response',
    reason: 'saml_multiple_assertions',
    build: async (w, base) =>
      addAssertionOf(
        await buildResponse(w.idp, { ...base, signResponse: false }),
        await buildResponse(w.idp, { ...base, signResponse: false, encryptTo: w.spEncryption.certificate }),
        'EncryptedAssertion',
      ),
  },
  {
    name: 'assertion Issuer of another IdP sharing the signing certificate',
    reason: 'saml_issuer_mismatch',
    build: (w, base) =>
      buildResponse(w.idp, { ...base, issuer: 'https://idp.other-org.test/saml', responseIssuer: null }),
  },
  {
    name: 'response Issuer of another IdP',
    reason: 'saml_issuer_mismatch',
    build: (w, base) => buildResponse(w.idp, { ...base, responseIssuer: 'https://idp.other-org.test/saml' }),
  },
  {
    name: 'Destination of another SP',
    reason: 'saml_destination_mismatch',
    build: (w, base) => buildResponse(w.idp, { ...base, destination: 'https://other-sp.test/acs' }),
  },
  {
    name: 'signed response without Destination',
    reason: 'saml_destination_mismatch',
    build: (w, base) => buildResponse(w.idp, { ...base, destination: null, signResponse: true }),
  },
  {
    name: 'bearer Recipient of another SP',
    reason: 'saml_recipient_mismatch',
    build: (w, base) => buildResponse(w.idp, { ...base, recipient: 'https://other-sp.test/acs' }),
  },
  {
    name: 'Audience of another SP',
    reason: 'saml_audience_mismatch',
    build: (w, base) => buildResponse(w.idp, { ...base, audience: 'https://other-sp.test' }),
  },
  {
    name: 'Conditions expired past the clock skew',
    reason: 'saml_expired',
    build: (w, base) => buildResponse(w.idp, { ...base, now: later(-120), notOnOrAfter: later(-2) }),
  },
  {
    name: 'bearer confirmation expired on an IdP-initiated response',
    reason: 'saml_expired',
    connection: { allowIdpInitiated: true },
    build: (w, base) => buildResponse(w.idp, { ...base, inResponseTo: null, subjectNotOnOrAfter: later(-2) }),
  },
  {
    name: 'Conditions not yet valid past the clock skew',
    reason: 'saml_not_yet_valid',
    build: (w, base) => buildResponse(w.idp, { ...base, notBefore: later(2) }),
  },
  {
    name: 'InResponseTo Muster never issued',
    reason: 'saml_unknown_request',
    build: (w, base) => buildResponse(w.idp, { ...base, inResponseTo: samlId() }),
  },
  {
    name: 'InResponseTo added to an unsigned response around an unsolicited assertion',
    reason: 'saml_unknown_request',
    connection: { allowIdpInitiated: false },
    build: async (w, base) => {
      const xml = await buildResponse(w.idp, { ...base, inResponseTo: null, signResponse: false });
      return transform(xml, (_doc, root) => root.setAttribute('InResponseTo', base.inResponseTo ?? ''));
    },
  },
  {
    name: 'unsolicited response on a connection without IdP-initiated sign-in',
    reason: 'saml_unsolicited',
    build: (w, base) => buildResponse(w.idp, { ...base, inResponseTo: null }),
  },
  {
    name: 'SHA-1 signatures and digests',
    reason: 'saml_sha1_refused',
    build: (w, base) => buildResponse(w.idp, { ...base, sha1: true }),
  },
  {
    name: 'DOCTYPE with an entity expansion bomb',
    reason: 'saml_doctype_refused',
    build: async (w, base) => {
      const xml = await buildResponse(w.idp, base);
      const bomb = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>';
      return xml.replace('<samlp:Response', `${bomb}<samlp:Response`).replace('alice@x.test', '&b;');
    },
  },
  {
    name: 'external entity declared without a DOCTYPE keyword in view',
    reason: 'saml_doctype_refused',
    build: async (w, base) => `<!ENTITY xxe SYSTEM "file:///etc/passwd">${await buildResponse(w.idp, base)}`,
  },
  {
    name: 'oversized body (a validly signed response with 300 KiB of attributes)',
    reason: 'saml_too_large',
    build: (w, base) => buildResponse(w.idp, { ...base, attributes: { padding: ['x'.repeat(300 * 1024)] } }),
  },
  {
    name: 'NameID comment injection (alice@x.test<!---->.evil.example)',
    reason: 'saml_email_outside_domains',
    message: /x\.test\.evil\.example/,
    build: async (w, base) =>
      (await buildResponse(w.idp, { ...base, nameId: 'alice@x.test.evil.example' })).replace(
        'alice@x.test.evil.example',
        'alice@x.test<!---->.evil.example',
      ),
  },
  {
    name: 'email attribute comment injection',
    reason: 'saml_email_outside_domains',
    build: async (w, base) =>
      (await buildResponse(w.idp, { ...base, attributes: email('bob@x.test.evil.example') })).replace(
        'bob@x.test.evil.example',
        'bob@x.test<!-- -->.evil.example',
      ),
  },
  {
    name: 'email in a subdomain of a connection domain',
    reason: 'saml_email_outside_domains',
    build: (w, base) => buildResponse(w.idp, { ...base, attributes: email('alice@sub.x.test') }),
  },
  {
    name: 'email of another domain',
    reason: 'saml_email_outside_domains',
    build: (w, base) => buildResponse(w.idp, { ...base, attributes: email('alice@evil.example') }),
  },
  {
    name: 'no email: persistent NameID and no email attribute',
    reason: 'saml_no_email',
    build: (w, base) =>
      buildResponse(w.idp, {
        ...base,
        nameId: 'alice@x.test',
        nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      }),
  },
  {
    name: 'status Responder / AuthnFailed',
    reason: 'saml_status_not_success',
    message: /Responder.*AuthnFailed.*user cancelled/,
    build: (w, base) =>
      buildResponse(w.idp, {
        ...base,
        status: {
          code: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
          subCode: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
          message: 'user cancelled',
        },
        signResponse: false,
      }),
  },
  {
    name: 'assertion encrypted to a key that is not the connection SP key',
    reason: 'saml_decryption_failed',
    build: (w, base) => buildResponse(w.idp, { ...base, encryptTo: w.strangerKeys.certificate }),
  },
  {
    name: 'encrypted unsigned assertion',
    reason: 'saml_unsigned',
    build: (w, base) =>
      buildResponse(w.idp, { ...base, signAssertion: false, encryptTo: w.spEncryption.certificate }),
  },
  {
    name: 'not base64',
    reason: 'saml_malformed',
    raw: true,
    build: async () => '<samlp:Response/>',
  },
  {
    name: 'not XML',
    reason: 'saml_malformed',
    build: async () => '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><unclosed>',
  },
  {
    name: 'a LogoutResponse posted to the ACS',
    reason: 'saml_malformed',
    build: async () => '<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>',
  },
];

const statusOf: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  payload_too_large: 413,
};

function parse(xml: string): Element {
  let root: Element | undefined;
  transform(xml, (_doc, r) => {
    root = r;
  });
  if (!root) throw new Error('no root');
  return root;
}

/** Changes the signed-in person after signing, as an attacker holding a valid response would. */
function tamperNameId(xml: string): string {
  return xml.replace('>alice@x.test<', '>eve@x.test<');
}

describe('SAML attacks', () => {
  let w: SamlWorld;
  before(async () => {
    w = await samlWorld();
  });

  for (const attack of attacks) {
    it(`refuses ${attack.name}: ${attack.reason}`, async () => {
      const connection = connectionFor(w, attack.connection);
      const store = new MemoryReplayStore();
      const base = spInitiated(store, connection);
      const built = await attack.build(w, base);
      const samlResponse = attack.raw ? built : toFormValue(built);
      await assert.rejects(
        validateSamlResponse({ connection, samlResponse, store, now: fixedNow }),
        (error: { reason?: string; status?: number; message: string }) => {
          assert.equal(error.reason, attack.reason, error.message);
          assert.equal(error.status, statusOf[samlReasons[attack.reason]]);
          if (attack.message) assert.match(error.message, attack.message);
          return true;
        },
      );
    });
  }

  it('refuses a replayed SP-initiated response: saml_replayed', async () => {
    const connection = connectionFor(w);
    const store = new MemoryReplayStore();
    const samlResponse = toFormValue(await buildResponse(w.idp, spInitiated(store, connection)));
    await validateSamlResponse({ connection, samlResponse, store, now: fixedNow });
    await assert.rejects(validateSamlResponse({ connection, samlResponse, store, now: later(1) }), {
      reason: 'saml_replayed',
    });
  });

  it('refuses a replayed IdP-initiated response: saml_replayed', async () => {
    const connection = connectionFor(w, { allowIdpInitiated: true });
    const store = new MemoryReplayStore();
    const samlResponse = toFormValue(
      await buildResponse(w.idp, { acsUrl, audience: spEntityId, now: fixedNow, inResponseTo: null }),
    );
    await validateSamlResponse({ connection, samlResponse, store, now: fixedNow });
    await assert.rejects(validateSamlResponse({ connection, samlResponse, store, now: fixedNow }), {
      reason: 'saml_replayed',
    });
  });

  it('refuses a request id issued for another connection: saml_unknown_request', async () => {
    const connection = connectionFor(w);
    const store = new MemoryReplayStore();
    const options = spInitiated(store, connectionFor(w, { id: 'conn-2' }));
    const samlResponse = toFormValue(await buildResponse(w.idp, options));
    await assert.rejects(validateSamlResponse({ connection, samlResponse, store, now: fixedNow }), {
      reason: 'saml_unknown_request',
    });
  });

  it('refuses before decoding a body past the cap, without XML work: saml_too_large', async () => {
    const connection = connectionFor(w);
    const samlResponse = 'A'.repeat(4 * 1024 * 1024);
    await assert.rejects(
      validateSamlResponse({ connection, samlResponse, store: new MemoryReplayStore(), now: fixedNow }),
      { reason: 'saml_too_large', status: 413, code: 'payload_too_large' },
    );
  });

  it('touches the replay store only once every check has passed', async () => {
    const connection = connectionFor(w);
    const store = new MemoryReplayStore();
    const options = spInitiated(store, connection);
    const bad = toFormValue(await buildResponse(w.idp, { ...options, audience: 'https://other-sp.test' }));
    await assert.rejects(validateSamlResponse({ connection, samlResponse: bad, store, now: fixedNow }));
    const good = toFormValue(await buildResponse(w.idp, options));
    const claims = await validateSamlResponse({ connection, samlResponse: good, store, now: fixedNow });
    assert.equal(claims.inResponseTo, options.inResponseTo);
  });
});
