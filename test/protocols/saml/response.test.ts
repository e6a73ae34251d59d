import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { validateSamlResponse } from '../../../src/protocols/saml/index.ts';
import {
  acsUrl,
  connectionFor,
  fixedNow,
  type SamlWorld,
  samlWorld,
  signIn,
  spEntityId,
  spInitiated,
} from '../../support/saml-fixtures.ts';
import { buildResponse, toFormValue } from '../../support/saml-idp.ts';
import { MemoryReplayStore } from '../../support/saml-replay-store.ts';

const later = (minutes: number) => new Date(fixedNow.getTime() + minutes * 60_000);

describe('SAML responses that sign people in', () => {
  let w: SamlWorld;
  before(async () => {
    w = await samlWorld();
  });

  it('SP-initiated: returns the claims and consumes the request id', async () => {
    const connection = connectionFor(w);
    const store = new MemoryReplayStore();
    const options = spInitiated(store, connection);
    const xml = await buildResponse(w.idp, {
      ...options,
      attributes: {
        email: ['Alice@X.test'],
        firstName: ['Alice'],
        lastName: ['Liddell'],
        groups: ['eng', 'ops'],
      },
    });
    const claims = await validateSamlResponse({
      connection,
      samlResponse: toFormValue(xml),
      store,
      now: fixedNow,
    });
    assert.equal(claims.email, 'Alice@X.test');
    assert.equal(claims.nameId, 'alice@x.test');
    assert.equal(claims.nameIdFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    assert.equal(claims.firstName, 'Alice');
    assert.equal(claims.lastName, 'Liddell');
    assert.equal(claims.displayName, null);
    assert.deepEqual(claims.groups, ['eng', 'ops']);
    assert.equal(claims.groupsTruncated, false);
    assert.equal(claims.inResponseTo, options.inResponseTo);
    assert.equal(claims.issuer, w.idp.entityId);
    assert.match(claims.sessionIndex ?? '', /^_/);
    assert.match(claims.assertionId, /^_/);
    assert.deepEqual(claims.attributes.groups, ['eng', 'ops']);
    // The bearer confirmation (5 minutes) ends before Conditions (60 minutes).
    assert.deepEqual(claims.notOnOrAfter, later(5));
    assert.deepEqual(store.rememberedUntil(claims.assertionId, connection.id), later(6));
    assert.equal(await store.consumeRequest(options.inResponseTo ?? '', connection.id), false);
  });

  it('IdP-initiated, where the connection allows it: no InResponseTo, assertion id remembered', async () => {
    const connection = connectionFor(w, { allowIdpInitiated: true });
    const store = new MemoryReplayStore();
    const xml = await buildResponse(w.idp, {
      acsUrl,
      audience: spEntityId,
      now: fixedNow,
      inResponseTo: null,
    });
    const claims = await validateSamlResponse({
      connection,
      samlResponse: toFormValue(xml),
      store,
      now: fixedNow,
    });
    assert.equal(claims.inResponseTo, null);
    assert.ok(store.rememberedUntil(claims.assertionId, connection.id));
  });

  it('IdP-initiated on a connection that does not allow it is refused', async () => {
    await assert.rejects(signIn(w, connectionFor(w), { inResponseTo: null }), { reason: 'saml_unsolicited' });
  });

  it('an encrypted, signed assertion in an unsigned response (Entra with token encryption)', async () => {
    const claims = await signIn(w, connectionFor(w), {
      encryptTo: w.spEncryption.certificate,
      signResponse: false,
      attributes: { email: ['alice@x.test'], groups: ['eng'] },
    });
    assert.equal(claims.email, 'alice@x.test');
    assert.deepEqual(claims.groups, ['eng']);
  });

  it('an encrypted, signed assertion in a signed response', async () => {
    const claims = await signIn(w, connectionFor(w), {
      encryptTo: w.spEncryption.certificate,
      signResponse: true,
    });
    assert.equal(claims.email, 'alice@x.test');
  });

  it('several IdP certificates: either one may sign during a rollover', async () => {
    const connection = connectionFor(w, {
      idp: { ...connectionFor(w).idp, certificates: [w.idp.keys.certificate, w.nextIdpKeys.certificate] },
    });
    assert.equal((await signIn(w, connection)).email, 'alice@x.test');
    assert.equal((await signIn(w, connection, { signingKey: w.nextIdpKeys })).email, 'alice@x.test');
    await assert.rejects(signIn(w, connection, { signingKey: w.strangerKeys }), {
      reason: 'saml_bad_signature',
    });
  });

  it('an unsigned assertion inside a signed response, where the connection allows it (Keycloak default)', async () => {
    const connection = connectionFor(w, { allowUnsignedAssertions: true });
    const claims = await signIn(w, connection, { signResponse: true, signAssertion: false });
    assert.equal(claims.email, 'alice@x.test');
  });

  it('SHA-1, where the connection opts in by name', async () => {
    const claims = await signIn(w, connectionFor(w, { allowSha1Signatures: true }), { sha1: true });
    assert.equal(claims.email, 'alice@x.test');
  });

  it('times inside the clock skew are accepted; a custom skew narrows it', async () => {
    // Conditions ended 30 s ago and start in 30 s: inside the default 60 s either way.
    const edges = { notOnOrAfter: later(-0.5), notBefore: later(0.5) };
    assert.equal((await signIn(w, connectionFor(w), edges)).email, 'alice@x.test');
    const narrow = connectionFor(w, { clockSkewSeconds: 10 });
    await assert.rejects(signIn(w, narrow, { notOnOrAfter: later(-0.5) }), { reason: 'saml_expired' });
    await assert.rejects(signIn(w, narrow, { notBefore: later(0.5) }), { reason: 'saml_not_yet_valid' });
  });

  it('an unsigned response may omit Destination; the assertion carries the Recipient', async () => {
    const claims = await signIn(w, connectionFor(w), { destination: null, signResponse: false });
    assert.equal(claims.email, 'alice@x.test');
  });

  it('reads a NameID split by a comment whole, and signs in when the whole is in the domains', async () => {
    const connection = connectionFor(w);
    const store = new MemoryReplayStore();
    const xml = (await buildResponse(w.idp, spInitiated(store, connection))).replace(
      '>alice@x.test<',
      '>alice<!-- a comment -->@x.test<',
    );
    const claims = await validateSamlResponse({
      connection,
      samlResponse: toFormValue(xml),
      store,
      now: fixedNow,
    });
    assert.equal(claims.nameId, 'alice@x.test');
  });

  it('accepts base64 wrapped over several lines', async () => {
    const connection = connectionFor(w);
    const store = new MemoryReplayStore();
    const encoded = toFormValue(await buildResponse(w.idp, spInitiated(store, connection)));
    const wrapped = encoded.replace(/.{76}/g, '$&\r\n');
    const claims = await validateSamlResponse({ connection, samlResponse: wrapped, store, now: fixedNow });
    assert.equal(claims.email, 'alice@x.test');
  });

  it('compares email domains in any case', async () => {
    const claims = await signIn(w, connectionFor(w, { emailDomains: ['X.Test'] }), {
      attributes: { email: ['alice@x.TEST'] },
    });
    assert.equal(claims.email, 'alice@x.TEST');
  });
});
