import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { type SamlReason, validateSamlResponse } from '../../../src/protocols/saml/index.ts';
import { type XswVariant, xsw } from '../../support/saml-attacks.ts';
import {
  connectionFor,
  fixedNow,
  type SamlWorld,
  samlWorld,
  spInitiated,
} from '../../support/saml-fixtures.ts';
import { buildResponse, toFormValue } from '../../support/saml-idp.ts';
import { MemoryReplayStore } from '../../support/saml-replay-store.ts';

/**
 * XML Signature Wrapping, XSW1–XSW8 as SAML Raider builds them: XSW1–2 wrap
 * the signed Response, XSW3–8 the signed Assertion. Each case first shows
 * that the IdP's signature still verifies on the attacked message (so a
 * check of "is there a valid signature" alone would pass), then that Muster
 * refuses it, and for which reason.
 */
const cases: readonly { variant: XswVariant; signed: 'response' | 'assertion'; reason: SamlReason }[] = [
  { variant: 'XSW1', signed: 'response', reason: 'saml_wrapped_assertion' },
  { variant: 'XSW2', signed: 'response', reason: 'saml_wrapped_assertion' },
  // Two sibling assertions, the evil one unsigned: the count refuses it before any signature is read.
  { variant: 'XSW3', signed: 'assertion', reason: 'saml_multiple_assertions' },
  { variant: 'XSW4', signed: 'assertion', reason: 'saml_wrapped_assertion' },
  { variant: 'XSW5', signed: 'assertion', reason: 'saml_wrapped_assertion' },
  { variant: 'XSW6', signed: 'assertion', reason: 'saml_wrapped_assertion' },
  { variant: 'XSW7', signed: 'assertion', reason: 'saml_wrapped_assertion' },
  { variant: 'XSW8', signed: 'assertion', reason: 'saml_wrapped_assertion' },
];

/** Whether xml-crypto finds the first signature valid against the IdP certificate. */
function signatureStillVerifies(xml: string, certificate: string): boolean {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const signature = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0];
  if (!signature) return false;
  const sig = new SignedXml({ publicCert: certificate });
  sig.loadSignature(signature);
  try {
    return sig.checkSignature(xml);
  } catch {
    return false;
  }
}

describe('SAML signature wrapping (XSW1–XSW8)', () => {
  let w: SamlWorld;
  before(async () => {
    w = await samlWorld();
  });

  for (const { variant, signed, reason } of cases) {
    it(`${variant} (${signed} signed) is refused: ${reason}`, async () => {
      const connection = connectionFor(w, { allowUnsignedAssertions: signed === 'response' });
      const store = new MemoryReplayStore();
      const xml = await buildResponse(w.idp, {
        ...spInitiated(store, connection),
        attributes: { email: ['alice@x.test'] },
        signResponse: signed === 'response',
        signAssertion: signed === 'assertion',
      });
      const attacked = xsw(variant, xml);
      assert.match(attacked, /eve@x\.test/);
      assert.ok(
        signatureStillVerifies(attacked, w.idp.keys.certificate),
        'the attack keeps a valid signature',
      );
      await assert.rejects(
        validateSamlResponse({ connection, samlResponse: toFormValue(attacked), store, now: fixedNow }),
        (error: { reason?: string; status?: number }) => {
          assert.equal(error.reason, reason);
          assert.equal(error.status, 401);
          return true;
        },
      );
    });
  }
});
