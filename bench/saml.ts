/**
 * SAML sign-in figures for `npm run bench`, on one Muster process: ACS
 * sign-ins per second (a valid signed response for a user who exists, each
 * with its own assertion id) against what checking the response's XML
 * signatures alone costs on the same machine in the same run. The target is
 * at least 70% of the signature-only rate.
 */

import http from 'node:http';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { generateSamlKeyPair } from '../src/protocols/saml/index.ts';
import { buildResponse, providerAttributes, samlId, toFormValue } from '../test/support/saml-idp.ts';
import { client, send } from './client.ts';
import { figuresOf, report, reportValue, run } from './figures.ts';
import type { Served } from './serve.ts';
import { adminToken } from './serve.ts';

const dsig = 'http://www.w3.org/2000/09/xmldsig#';
const rounds = 5;
const perRound = 80;
const count = rounds * perRound;
const inFlight = 4;

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
    // Fresh connections for each phase: signing, and checking signatures alone, hold the event loop
    // longer than the server keeps an idle socket, and reusing one it closed meanwhile resets.
    let acsAgent = new http.Agent({ keepAlive: true });
    const signIn = async (xml: string) => {
      const body = new URLSearchParams({ SAMLResponse: toFormValue(xml) }).toString();
      const res = await send(
        acsUrl,
        'POST',
        { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        body,
        acsAgent,
      );
      if (res.status !== 303) throw new Error(`ACS answered ${res.status}: ${res.text.slice(0, 300)}`);
    };
    // The first sign-in creates the user; the timed ones find it, as most sign-ins do.
    for (const xml of responses.slice(0, 20)) await signIn(xml);
    // Rounds of each, side by side, so both see the same machine: the ratio of each round, and its median.
    const signatureLatencies: number[] = [];
    const acsLatencies: number[] = [];
    const shares: number[] = [];
    let signatureSeconds = 0;
    let acsSeconds = 0;
    for (let round = 0; round < rounds; round += 1) {
      const batch = responses.slice(20 + round * perRound, 20 + (round + 1) * perRound);
      // Every item of a round runs: no budget cuts a round short.
      const all = (concurrency: number, call: (item: string) => Promise<void> | void) =>
        run(batch.length, concurrency, Number.POSITIVE_INFINITY, (i) => call(batch[i] as string));
      const signatures = await all(1, (xml) => checkSignatures(xml, idpKeys.certificate));
      acsAgent = new http.Agent({ keepAlive: true });
      // Sign-ins arrive side by side: while one waits on the database, the process checks another's signatures.
      const acs = await all(inFlight, signIn);
      signatureLatencies.push(...signatures.latencies);
      acsLatencies.push(...acs.latencies);
      signatureSeconds += signatures.seconds;
      acsSeconds += acs.seconds;
      shares.push(signatures.seconds / acs.seconds);
    }
    report(
      engine,
      'XML signatures of a response checked, alone',
      figuresOf(signatureLatencies, signatureSeconds),
    );
    report(
      engine,
      `SAML ACS sign-in (user exists), ${inFlight} in flight`,
      figuresOf(acsLatencies, acsSeconds),
    );
    const share = [...shares].sort((a, b) => a - b)[Math.floor(shares.length / 2)] ?? 0;
    reportValue(
      engine,
      `  ACS rate / signature-only rate, median of ${rounds}`,
      `${(share * 100).toFixed(0)}%`,
      {
        text: '>= 70%',
        met: share >= 0.7,
      },
    );
  } finally {
    await served.stop();
  }
}
