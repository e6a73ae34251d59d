/**
 * SAML sign-in figures for `npm run bench`, on one Muster process: ACS
 * sign-ins per second (a valid signed response for a user who exists, each
 * with its own assertion id) against what checking the response's XML
 * signatures alone costs on the same machine in the same run. The target is
 * at least 70% of the signature-only rate.
 */

import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { generateSamlKeyPair } from '../src/protocols/saml/index.ts';
import { buildResponse, providerAttributes, samlId, toFormValue } from '../test/support/saml-idp.ts';
import { client } from './client.ts';
import { figuresOf, report, reportValue } from './figures.ts';
import type { Served } from './serve.ts';
import { adminToken } from './serve.ts';

const dsig = 'http://www.w3.org/2000/09/xmldsig#';
const count = 400;

/** Both XML signatures of a response checked with xml-crypto, and nothing else. */
function checkSignatures(xml: string, certificate: string): void {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const signatures = Array.from(doc.getElementsByTagNameNS(dsig, 'Signature'));
  if (signatures.length !== 2) throw new Error(`expected 2 signatures, found ${signatures.length}`);
  for (const signature of signatures) {
    const verifier = new SignedXml({ publicCert: certificate });
    verifier.loadSignature(signature);
    if (!verifier.checkSignature(xml)) throw new Error('the signature does not verify');
  }
}

async function timedSequence(items: readonly string[], call: (item: string) => Promise<void> | void) {
  const latencies: number[] = [];
  const started = performance.now();
  for (const item of items) {
    const t0 = performance.now();
    await call(item);
    latencies.push(performance.now() - t0);
  }
  return figuresOf(latencies, (performance.now() - started) / 1000);
}

export async function benchSaml(engine: string, served: Served): Promise<void> {
  try {
    const api = client(`${served.origin}/api/v1`, adminToken, 'application/json');
    const idpKeys = await generateSamlKeyPair({ commonName: 'bench idp' });
    const idp = {
      entityId: 'https://idp.bench.test/saml',
      ssoUrl: 'https://idp.bench.test/sso',
      keys: idpKeys,
    };
    const org = (await api('POST', '/orgs', { name: `SAML bench ${Date.now().toString(36)}` })) as {
      id: string;
    };
    const domain = `${org.id.slice(0, 8)}.bench.test`;
    const connection = (await api('POST', `/orgs/${org.id}/connections`, {
      protocol: 'saml',
      provider: 'okta',
      domains: [domain],
      allowIdpInitiated: true,
      saml: { entityId: idp.entityId, ssoUrl: idp.ssoUrl, certificates: [idpKeys.certificate] },
    })) as { id: string; acsUrl: string; spEntityId: string };
    const who = {
      email: `ada@${domain}`,
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'Ada',
      groups: ['Eng'],
    };
    // Signed before the clock starts: what is timed is Muster's side alone.
    const responses = await Promise.all(
      Array.from({ length: count + 20 }, () =>
        buildResponse(idp, {
          acsUrl: connection.acsUrl,
          audience: connection.spEntityId,
          now: new Date(),
          inResponseTo: null,
          nameId: who.email,
          attributes: providerAttributes('okta', who),
          assertionId: samlId(),
        }),
      ),
    );
    const acsUrl = new URL(`/sso/saml/${connection.id}/acs`, served.origin);
    const signIn = async (xml: string) => {
      const res = await fetch(acsUrl, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ SAMLResponse: toFormValue(xml) }).toString(),
      });
      await res.arrayBuffer();
      if (res.status !== 302) throw new Error(`ACS answered ${res.status}`);
    };
    // The first sign-in creates the user; the timed ones find it, as most sign-ins do.
    for (const xml of responses.slice(0, 20)) await signIn(xml);
    const timedResponses = responses.slice(20);
    const signatures = await timedSequence(timedResponses, (xml) =>
      checkSignatures(xml, idpKeys.certificate),
    );
    const acs = await timedSequence(timedResponses, signIn);
    report(engine, 'XML signatures of a response checked, alone', signatures);
    const share = signatures.seconds / acs.seconds;
    report(engine, 'SAML ACS sign-in (user exists), 1 in flight', acs);
    reportValue(engine, '  ACS rate / signature-only rate', `${(share * 100).toFixed(0)}%`, {
      text: '>= 70%',
      met: share >= 0.7,
    });
  } finally {
    await served.stop();
  }
}
