import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateSamlKeyPair } from '../../../src/protocols/saml/index.ts';

describe('SAML key material', () => {
  it('makes an RSA-2048 key and a self-signed certificate for it', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const pair = await generateSamlKeyPair({ commonName: 'https://muster.test/sso/saml/c1 signing', now });
    const cert = new X509Certificate(pair.certificate);
    const key = createPrivateKey(pair.privateKey);
    assert.ok(cert.checkPrivateKey(key));
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(cert.subject, 'CN=https://muster.test/sso/saml/c1 signing');
    assert.equal(cert.issuer, cert.subject);
    assert.equal(cert.ca, false);
    assert.ok(new Date(cert.validFrom) <= now);
    assert.equal(new Date(cert.validTo).getUTCFullYear(), 2039);
    assert.match(pair.privateKey, /^-----BEGIN PRIVATE KEY-----/);
  });

  it('makes a different key and serial each time', async () => {
    const [a, b] = await Promise.all([
      generateSamlKeyPair({ commonName: 'a' }),
      generateSamlKeyPair({ commonName: 'a' }),
    ]);
    assert.notEqual(a.privateKey, b.privateKey);
    assert.notEqual(
      new X509Certificate(a.certificate).serialNumber,
      new X509Certificate(b.certificate).serialNumber,
    );
  });
});
