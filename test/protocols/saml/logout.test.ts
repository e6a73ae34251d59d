import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { httpStatusOf } from '../../../src/errors.ts';
import {
  type IncomingLogoutRequest,
  nameIdFormats,
  type SamlConnection,
  type SamlReason,
  samlReasons,
  validateLogoutRequest,
} from '../../../src/protocols/saml/index.ts';
import { transform } from '../../support/saml-attacks.ts';
import { connectionFor, fixedNow, type SamlWorld, samlWorld } from '../../support/saml-fixtures.ts';
import {
  type IdpLogoutRequestOptions,
  idpLogoutRequestXml,
  idpLogoutResponseXml,
  type LogoutBindingOptions,
  logoutPostValue,
  logoutRedirectQuery,
  type RedirectBindingOptions,
  samlId,
  toFormValue,
} from '../../support/saml-idp.ts';

type Binding = 'redirect' | 'post';

const spSloUrl = 'https://muster.test/sso/saml/conn-1/slo';
const idpSloUrl = 'https://idp.x.test/sso/logout';
const later = (minutes: number) => new Date(fixedNow.getTime() + minutes * 60_000);

/** A connection whose IdP and SP both offer Single Logout. */
function sloConnection(w: SamlWorld, overrides: Partial<SamlConnection> = {}): SamlConnection {
  const base = connectionFor(w, overrides);
  return { ...base, idp: { ...base.idp, sloUrl: idpSloUrl }, sp: { ...base.sp, sloUrl: spSloUrl } };
}

/** An IdP-initiated LogoutRequest to Muster's SLO URL, carried by one binding. */
function request(
  w: SamlWorld,
  binding: Binding,
  options: Partial<IdpLogoutRequestOptions> = {},
  signing: RedirectBindingOptions = {},
): IncomingLogoutRequest {
  const xml = idpLogoutRequestXml(w.idp, {
    now: fixedNow,
    destination: spSloUrl,
    sessionIndexes: ['_session1'],
    ...options,
  });
  return carry(w, binding, xml, signing);
}

function carry(w: SamlWorld, binding: Binding, xml: string, signing: RedirectBindingOptions = {}) {
  if (binding === 'redirect') return { query: logoutRedirectQuery(w.idp, xml, 'SAMLRequest', signing) };
  const post: LogoutBindingOptions = signing;
  return {
    samlRequest: logoutPostValue(w.idp, xml, post),
    ...(signing.relayState === undefined ? {} : { relayState: signing.relayState }),
  };
}

/** Changes the message after it was signed, keeping the signature, as an attacker holding one would. */
function tamper(message: IncomingLogoutRequest, change: (xml: string) => string): IncomingLogoutRequest {
  if ('query' in message) {
    return {
      query: message.query.replace(/^SAMLRequest=([^&]*)/, (_, value: string) => {
        const xml = inflateRawSync(Buffer.from(decodeURIComponent(value), 'base64')).toString('utf8');
        const deflated = deflateRawSync(Buffer.from(change(xml), 'utf8')).toString('base64');
        return `SAMLRequest=${encodeURIComponent(deflated)}`;
      }),
    };
  }
  return { samlRequest: toFormValue(change(Buffer.from(message.samlRequest, 'base64').toString('utf8'))) };
}

/** The query's parameters as written, to rearrange. */
function parameters(message: IncomingLogoutRequest): Map<string, string> {
  if (!('query' in message)) throw new Error('not a redirect');
  return new Map(message.query.split('&').map((p) => [p.slice(0, p.indexOf('=')), p] as [string, string]));
}

function query(message: IncomingLogoutRequest, names: readonly string[]): IncomingLogoutRequest {
  const params = parameters(message);
  return { query: names.map((n) => params.get(n) ?? `${n}=`).join('&') };
}

const doctype = '<!DOCTYPE samlp:LogoutRequest [<!ENTITY eve "eve@x.test">]>';

interface Attack {
  readonly name: string;
  readonly reason: SamlReason;
  readonly bindings?: readonly Binding[];
  /** Changes the connection for the case. */
  readonly connection?: (c: SamlConnection) => SamlConnection;
  /** Builds the message from a valid one's maker. */
  readonly build: (w: SamlWorld, binding: Binding) => IncomingLogoutRequest;
  readonly message?: RegExp;
}

const attacks: readonly Attack[] = [
  {
    name: 'unsigned request',
    reason: 'saml_unsigned',
    build: (w, b) => request(w, b, {}, { sign: false }),
  },
  {
    name: 'signed by a key that is not the connection IdP certificate',
    reason: 'saml_bad_signature',
    build: (w, b) => request(w, b, {}, { signingKey: w.strangerKeys }),
  },
  {
    name: 'signed with RSA-SHA1 on a connection that does not allow SHA-1',
    reason: 'saml_sha1_refused',
    build: (w, b) => request(w, b, {}, { sha1: true }),
  },
  {
    name: 'NameID changed after signing',
    reason: 'saml_bad_signature',
    build: (w, b) => tamper(request(w, b), (xml) => xml.replace('>alice@x.test<', '>eve@x.test<')),
  },
  {
    name: 'SessionIndex removed after signing (sign out every session)',
    reason: 'saml_bad_signature',
    build: (w, b) =>
      tamper(request(w, b), (xml) => xml.replace('<samlp:SessionIndex>_session1</samlp:SessionIndex>', '')),
  },
  {
    name: 'Issuer of another IdP sharing the signing certificate',
    reason: 'saml_issuer_mismatch',
    build: (w, b) => request(w, b, { issuer: 'https://idp.other-org.test/saml' }),
  },
  {
    name: 'Destination of another SP',
    reason: 'saml_destination_mismatch',
    build: (w, b) => request(w, b, { destination: 'https://app.other.test/saml/slo' }),
  },
  {
    name: 'NotOnOrAfter passed beyond the clock skew',
    reason: 'saml_expired',
    build: (w, b) => request(w, b, { now: later(-3), notOnOrAfter: later(-2) }),
  },
  {
    name: 'captured request without NotOnOrAfter sent an hour later',
    reason: 'saml_expired',
    build: (w, b) => request(w, b, { now: later(-60), notOnOrAfter: null }),
  },
  {
    name: 'issued in the future beyond the clock skew',
    reason: 'saml_not_yet_valid',
    build: (w, b) => request(w, b, { now: later(3) }),
  },
  {
    name: 'DOCTYPE with an entity',
    reason: 'saml_doctype_refused',
    build: (w, b) => request(w, b, {}, { prolog: doctype }),
  },
  {
    name: 'oversized request (300 KiB)',
    reason: 'saml_too_large',
    bindings: ['post'],
    build: (w, b) => request(w, b, { padding: 300 * 1024 }),
  },
  {
    name: 'deflate bomb (a signed query that inflates past 256 KiB)',
    reason: 'saml_too_large',
    bindings: ['redirect'],
    build: (w, b) => request(w, b, { padding: 2 * 1024 * 1024 }),
  },
  {
    name: 'LogoutResponse where a LogoutRequest is expected',
    reason: 'saml_malformed',
    build: (w, b) =>
      carry(
        w,
        b,
        idpLogoutResponseXml(w.idp, { now: fixedNow, destination: spSloUrl, inResponseTo: samlId() }),
      ),
  },
  {
    name: 'encrypted NameID',
    reason: 'saml_logout_invalid',
    build: (w, b) =>
      carry(
        w,
        b,
        idpLogoutRequestXml(w.idp, { now: fixedNow, destination: spSloUrl }).replace(
          /<saml:NameID[^>]*>[^<]*<\/saml:NameID>/,
          '<saml:EncryptedID><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedID>',
        ),
      ),
  },
  {
    name: 'connection without a Single Logout URL',
    reason: 'saml_logout_unavailable',
    connection: (c) => ({ ...c, sp: { ...c.sp, sloUrl: undefined } }),
    build: (w, b) => request(w, b),
  },
  // The Redirect binding: the signature covers the query octets as sent.
  {
    name: 'reordered parameters (RelayState before SAMLRequest)',
    reason: 'saml_bad_signature',
    bindings: ['redirect'],
    build: (w, b) =>
      query(request(w, b, {}, { relayState: 'r1' }), ['RelayState', 'SAMLRequest', 'SigAlg', 'Signature']),
  },
  {
    name: 'RelayState changed after signing',
    reason: 'saml_bad_signature',
    bindings: ['redirect'],
    build: (w, b) => {
      const q = request(w, b, {}, { relayState: '/home' }) as { query: string };
      return { query: q.query.replace('RelayState=%2Fhome', 'RelayState=%2Fadmin') };
    },
  },
  {
    name: 'RelayState added to a query signed without one',
    reason: 'saml_bad_signature',
    bindings: ['redirect'],
    build: (w, b) => {
      const q = request(w, b) as { query: string };
      return { query: q.query.replace('&SigAlg=', '&RelayState=%2Fadmin&SigAlg=') };
    },
  },
  {
    name: 'Signature removed, SigAlg kept',
    reason: 'saml_unsigned',
    bindings: ['redirect'],
    build: (w, b) => query(request(w, b), ['SAMLRequest', 'SigAlg']),
  },
  {
    name: 'SigAlg swapped for another algorithm',
    reason: 'saml_bad_signature',
    bindings: ['redirect'],
    build: (w, b) => {
      const q = request(w, b) as { query: string };
      return { query: q.query.replace('rsa-sha256', 'rsa-sha512') };
    },
  },
  {
    name: 'SAMLRequest twice (an unsigned one in front of the signed one)',
    reason: 'saml_malformed',
    bindings: ['redirect'],
    build: (w, b) => {
      const evil = parameters(request(w, b, { nameId: 'bob@x.test' }, { sign: false })).get('SAMLRequest');
      return { query: `${evil}&${(request(w, b) as { query: string }).query}` };
    },
  },
  {
    name: 'query re-encoded on the way (lower-case escapes upper-cased)',
    reason: 'saml_bad_signature',
    bindings: ['redirect'],
    build: (w, b) => {
      const q = request(w, b, {}, { encoding: 'form', relayState: '/a b' }) as { query: string };
      return { query: q.query.replace(/%[0-9a-f]{2}/g, (m) => m.toUpperCase()) };
    },
  },
  // The POST binding: an enveloped signature, with the shape rules of responses.
  {
    name: 'signed request wrapped inside an unsigned one',
    reason: 'saml_wrapped_assertion',
    bindings: ['post'],
    build: (w, b) => {
      const signed = Buffer.from((request(w, b) as { samlRequest: string }).samlRequest, 'base64').toString();
      const evil = idpLogoutRequestXml(w.idp, { now: fixedNow, destination: spSloUrl, nameId: 'bob@x.test' });
      return {
        samlRequest: toFormValue(
          transform(evil, (doc, root) => {
            const extensions = doc.createElementNS(
              'urn:oasis:names:tc:SAML:2.0:protocol',
              'samlp:Extensions',
            );
            extensions.appendChild(doc.importNode(parseRoot(signed), true));
            root.appendChild(extensions);
          }),
        ),
      };
    },
  },
  {
    name: 'signature moved to a request with a new ID, the signed original hidden in it',
    reason: 'saml_wrapped_assertion',
    bindings: ['post'],
    build: (w, b) => {
      const signed = Buffer.from((request(w, b) as { samlRequest: string }).samlRequest, 'base64').toString();
      return {
        samlRequest: toFormValue(
          transform(signed, (doc, root) => {
            const original = root.cloneNode(true);
            root.setAttribute('ID', '_evil');
            const extensions = doc.createElementNS(
              'urn:oasis:names:tc:SAML:2.0:protocol',
              'samlp:Extensions',
            );
            extensions.appendChild(original);
            root.appendChild(extensions);
          }),
        ),
      };
    },
  },
  {
    name: 'signature whose reference points at another element',
    reason: 'saml_wrapped_assertion',
    bindings: ['post'],
    build: (w, b) => {
      const signed = Buffer.from((request(w, b) as { samlRequest: string }).samlRequest, 'base64').toString();
      return { samlRequest: toFormValue(signed.replace(/URI="#[^"]+"/, 'URI="#_elsewhere"')) };
    },
  },
];

function parseRoot(xml: string): Element {
  let root: Element | undefined;
  transform(xml, (_doc, r) => {
    root = r;
  });
  if (!root) throw new Error('no root');
  return root;
}

describe('SAML LogoutRequest from the IdP', () => {
  let w: SamlWorld;
  before(async () => {
    w = await samlWorld();
  });

  for (const binding of ['redirect', 'post'] as const) {
    it(`accepts a signed request by the ${binding} binding and names whom to sign out`, () => {
      const id = samlId();
      const message = request(
        w,
        binding,
        { id, sessionIndexes: ['_s1', '_s2'], nameIdFormat: nameIdFormats.persistent, nameId: 'u-42' },
        { relayState: 'back/to?x=1' },
      );
      const result = validateLogoutRequest(sloConnection(w), message, { now: fixedNow });
      assert.deepEqual(result, {
        requestId: id,
        nameId: 'u-42',
        nameIdFormat: nameIdFormats.persistent,
        sessionIndexes: ['_s1', '_s2'],
        issuer: w.idp.entityId,
        relayState: 'back/to?x=1',
      });
    });

    it(`accepts by the ${binding} binding: no Destination, no SessionIndex, no Format, expiry within the skew`, () => {
      const message = request(w, binding, {
        destination: null,
        sessionIndexes: [],
        nameIdFormat: null,
        now: later(-1.5),
        notOnOrAfter: later(-0.5),
      });
      const result = validateLogoutRequest(sloConnection(w), message, { now: fixedNow });
      assert.deepEqual(result.sessionIndexes, []);
      assert.equal(result.nameIdFormat, null);
      assert.equal(result.relayState, null);
    });

    it(`accepts by the ${binding} binding a request signed with the IdP's next certificate`, () => {
      const connection = sloConnection(w);
      const rolling = {
        ...connection,
        idp: { ...connection.idp, certificates: [w.idp.keys.certificate, w.nextIdpKeys.certificate] },
      };
      const message = request(w, binding, {}, { signingKey: w.nextIdpKeys });
      assert.equal(validateLogoutRequest(rolling, message, { now: fixedNow }).nameId, 'alice@x.test');
    });

    it(`accepts SHA-1 by the ${binding} binding where the connection allows it`, () => {
      const message = request(w, binding, {}, { sha1: true });
      const connection = sloConnection(w, { allowSha1Signatures: true });
      assert.equal(validateLogoutRequest(connection, message, { now: fixedNow }).nameId, 'alice@x.test');
    });
  }

  it('reads the query as sent: form encoding, lower-case escapes, and the endpoint own parameters', () => {
    const relayState = 'a b+c~d!/é';
    const { query } = request(w, 'redirect', {}, { encoding: 'form', relayState }) as { query: string };
    assert.match(query, /RelayState=a\+b%2bc/);
    const result = validateLogoutRequest(sloConnection(w), { query: `tenant=7&${query}` }, { now: fixedNow });
    assert.equal(result.relayState, relayState);
  });

  for (const attack of attacks) {
    for (const binding of attack.bindings ?? (['redirect', 'post'] as const)) {
      it(`refuses ${attack.name} (${binding}): ${attack.reason}`, () => {
        const connection = attack.connection?.(sloConnection(w)) ?? sloConnection(w);
        const message = attack.build(w, binding);
        assert.throws(
          () => validateLogoutRequest(connection, message, { now: fixedNow }),
          (error: { reason?: string; status?: number; message: string }) => {
            assert.equal(error.reason, attack.reason, error.message);
            assert.equal(error.status, httpStatusOf(samlReasons[attack.reason]));
            if (attack.message) assert.match(error.message, attack.message);
            return true;
          },
        );
      });
    }
  }
});
