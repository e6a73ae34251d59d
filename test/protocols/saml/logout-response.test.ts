import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { httpStatusOf } from '../../../src/errors.ts';
import {
  type IncomingLogoutResponse,
  type SamlConnection,
  type SamlReason,
  samlReasons,
  validateLogoutResponse,
} from '../../../src/protocols/saml/index.ts';
import { connectionFor, fixedNow, type SamlWorld, samlWorld } from '../../support/saml-fixtures.ts';
import {
  type IdpLogoutResponseOptions,
  idpLogoutRequestXml,
  idpLogoutResponseXml,
  logoutPostValue,
  logoutRedirectQuery,
  type RedirectBindingOptions,
  samlId,
} from '../../support/saml-idp.ts';

type Binding = 'redirect' | 'post';

const spSloUrl = 'https://muster.test/sso/saml/conn-1/slo';
const sent = '_muster_logout_request_1';
const status = (name: string) => `urn:oasis:names:tc:SAML:2.0:status:${name}`;

function sloConnection(w: SamlWorld, overrides: Partial<SamlConnection> = {}): SamlConnection {
  const base = connectionFor(w, overrides);
  return { ...base, sp: { ...base.sp, sloUrl: spSloUrl } };
}

function carry(w: SamlWorld, binding: Binding, xml: string, signing: RedirectBindingOptions = {}) {
  if (binding === 'redirect') return { query: logoutRedirectQuery(w.idp, xml, 'SAMLResponse', signing) };
  return {
    samlResponse: logoutPostValue(w.idp, xml, signing),
    ...(signing.relayState === undefined ? {} : { relayState: signing.relayState }),
  };
}

/** The IdP's answer to the LogoutRequest Muster sent, carried by one binding. */
function response(
  w: SamlWorld,
  binding: Binding,
  options: Partial<IdpLogoutResponseOptions> = {},
  signing: RedirectBindingOptions = {},
): IncomingLogoutResponse {
  const xml = idpLogoutResponseXml(w.idp, {
    now: fixedNow,
    destination: spSloUrl,
    inResponseTo: sent,
    ...options,
  });
  return carry(w, binding, xml, signing);
}

interface Attack {
  readonly name: string;
  readonly reason: SamlReason;
  readonly bindings?: readonly Binding[];
  readonly build: (w: SamlWorld, binding: Binding) => IncomingLogoutResponse;
  readonly message?: RegExp;
}

const attacks: readonly Attack[] = [
  {
    name: 'InResponseTo a request Muster never sent',
    reason: 'saml_unknown_request',
    build: (w, b) => response(w, b, { inResponseTo: samlId() }),
  },
  {
    name: 'no InResponseTo (an unsolicited LogoutResponse)',
    reason: 'saml_unknown_request',
    build: (w, b) => response(w, b, { inResponseTo: null }),
  },
  {
    name: 'InResponseTo changed after signing',
    reason: 'saml_bad_signature',
    bindings: ['post'],
    build: (w, b) => {
      const { samlResponse } = response(w, b, { inResponseTo: samlId() }) as { samlResponse: string };
      const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
      return {
        samlResponse: Buffer.from(xml.replace(/InResponseTo="[^"]+"/, `InResponseTo="${sent}"`)).toString(
          'base64',
        ),
      };
    },
  },
  {
    name: 'a non-Success status',
    reason: 'saml_status_not_success',
    message: /Responder.*RequestDenied.*session not found/,
    build: (w, b) =>
      response(w, b, {
        status: { code: status('Responder'), subCode: status('RequestDenied'), message: 'session not found' },
      }),
  },
  {
    name: 'an unsigned non-Success status (refused for the status, which needs no proof)',
    reason: 'saml_status_not_success',
    build: (w, b) => response(w, b, { status: { code: status('Requester') } }, { sign: false }),
  },
  {
    name: 'unsigned response',
    reason: 'saml_unsigned',
    build: (w, b) => response(w, b, {}, { sign: false }),
  },
  {
    name: 'signed by a key that is not the connection IdP certificate',
    reason: 'saml_bad_signature',
    build: (w, b) => response(w, b, {}, { signingKey: w.strangerKeys }),
  },
  {
    name: 'signed with RSA-SHA1 on a connection that does not allow SHA-1',
    reason: 'saml_sha1_refused',
    build: (w, b) => response(w, b, {}, { sha1: true }),
  },
  {
    name: 'Issuer of another IdP',
    reason: 'saml_issuer_mismatch',
    build: (w, b) => response(w, b, { issuer: 'https://idp.other-org.test/saml' }),
  },
  {
    name: 'Destination of another SP',
    reason: 'saml_destination_mismatch',
    build: (w, b) => response(w, b, { destination: 'https://app.other.test/saml/slo' }),
  },
  {
    name: 'issued an hour ago',
    reason: 'saml_expired',
    build: (w, b) => response(w, b, { now: new Date(fixedNow.getTime() - 3_600_000) }),
  },
  {
    name: 'DOCTYPE with an entity',
    reason: 'saml_doctype_refused',
    build: (w, b) => response(w, b, {}, { prolog: '<!DOCTYPE r [<!ENTITY x "y">]>' }),
  },
  {
    name: 'oversized response (300 KiB)',
    reason: 'saml_too_large',
    bindings: ['post'],
    build: (w, b) => response(w, b, { padding: 300 * 1024 }),
  },
  {
    name: 'deflate bomb',
    reason: 'saml_too_large',
    bindings: ['redirect'],
    build: (w, b) => response(w, b, { padding: 2 * 1024 * 1024 }),
  },
  {
    name: 'LogoutRequest where a LogoutResponse is expected',
    reason: 'saml_malformed',
    build: (w, b) => carry(w, b, idpLogoutRequestXml(w.idp, { now: fixedNow, destination: spSloUrl })),
  },
  {
    name: 'SAMLRequest in the query instead of SAMLResponse',
    reason: 'saml_malformed',
    bindings: ['redirect'],
    build: (w) => ({
      query: logoutRedirectQuery(
        w.idp,
        idpLogoutResponseXml(w.idp, { now: fixedNow, destination: spSloUrl, inResponseTo: sent }),
        'SAMLRequest',
      ),
    }),
  },
];

describe('SAML LogoutResponse from the IdP', () => {
  let w: SamlWorld;
  before(async () => {
    w = await samlWorld();
  });

  for (const binding of ['redirect', 'post'] as const) {
    it(`accepts a signed Success by the ${binding} binding`, () => {
      const message = response(w, binding, {}, { relayState: '/signed-out' });
      assert.deepEqual(
        validateLogoutResponse(sloConnection(w), message, { expectedRequestId: sent, now: fixedNow }),
        { inResponseTo: sent, status: 'success', relayState: '/signed-out' },
      );
    });

    it(`reports a partial logout by the ${binding} binding`, () => {
      const message = response(w, binding, {
        status: { code: status('Success'), subCode: status('PartialLogout') },
      });
      const result = validateLogoutResponse(sloConnection(w), message, {
        expectedRequestId: sent,
        now: fixedNow,
      });
      assert.equal(result.status, 'partial');
      assert.equal(result.relayState, null);
    });
  }

  for (const attack of attacks) {
    for (const binding of attack.bindings ?? (['redirect', 'post'] as const)) {
      it(`refuses ${attack.name} (${binding}): ${attack.reason}`, () => {
        const message = attack.build(w, binding);
        assert.throws(
          () => validateLogoutResponse(sloConnection(w), message, { expectedRequestId: sent, now: fixedNow }),
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
