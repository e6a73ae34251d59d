import { checkEmailDomain, readPerson } from './claims.ts';
import { checkBearer, checkConditions, checkDestination, checkIssuers } from './conditions.ts';
import { SamlError } from './errors.ts';
import { ns } from './names.ts';
import { effectivePreset } from './presets.ts';
import { refuseUnsuccessfulStatus } from './status.ts';
import { inspectAssertion, inspectResponse, refuseSha1 } from './structure.ts';
import { requireTimes } from './time.ts';
import type { SamlClaims, SamlConnection, SamlReplayStore } from './types.ts';
import { type AssertionSource, decryptAssertion, verifySignatures } from './verify.ts';
import { attr, decodeBase64Xml, defaultMaxXmlBytes, parseXml } from './xml.ts';

export interface ValidateSamlResponseInput {
  readonly connection: SamlConnection;
  /** The `SAMLResponse` form value, base64 as posted. */
  readonly samlResponse: string;
  readonly store: SamlReplayStore;
  /** The time to judge validity at; the current time when unset. */
  readonly now?: Date;
  /** The XML size cap; 256 KiB when unset. */
  readonly maxBytes?: number;
}

/**
 * Validates a SAML Response posted to a connection's ACS and returns the
 * signed-in person, or throws a SamlError naming the check that refused it.
 *
 * The order matters: size and DTD before any XML work; shape (wrapping,
 * several assertions, SHA-1, unsigned) before the signature; the signature
 * before anything is read from the assertion; every check before the
 * replay store is touched, so a refused message consumes nothing.
 */
export async function validateSamlResponse(input: ValidateSamlResponseInput): Promise<SamlClaims> {
  const { connection, store } = input;
  const now = input.now ?? new Date();
  const skewMs = (connection.clockSkewSeconds ?? 60) * 1000;
  const maxBytes = input.maxBytes ?? defaultMaxXmlBytes;

  const { xml } = decodeBase64Xml(input.samlResponse, maxBytes);
  const response = parseXml(xml).documentElement as Element;
  if (response.localName !== 'Response' || response.namespaceURI !== ns.protocol) {
    throw new SamlError('saml_malformed', 'the message is not a SAML Response');
  }
  refuseUnsuccessfulStatus(response);
  const shape = inspectResponse(response);
  refuseSha1(response, connection.allowSha1Signatures === true);
  let source: AssertionSource = { element: shape.assertion, xml, encrypted: false };
  let assertionSigned = shape.assertionSigned;
  if (shape.encrypted) {
    source = { ...(await decryptAssertion(shape.assertion, connection, maxBytes)), encrypted: true };
    assertionSigned = inspectAssertion(source.element);
    refuseSha1(source.element, connection.allowSha1Signatures === true);
  }
  refuseUnsigned(shape.responseSigned, assertionSigned, connection);
  requireTimes(source.element);

  const signedXml = verifySignatures({ xml, element: response }, source, connection, {
    response: shape.responseSigned,
    assertion: assertionSigned,
  });
  const assertion = parseXml(signedXml).documentElement as Element;

  const issuer = checkIssuers(response, assertion, connection);
  checkDestination(response, connection, shape.responseSigned);
  const conditionsEnd = checkConditions(assertion, connection, now, skewMs);
  const bearer = checkBearer(response, assertion, connection, {
    now,
    skewMs,
    responseSigned: shape.responseSigned,
  });
  const person = readPerson(assertion, effectivePreset(connection));
  checkEmailDomain(person.email, connection.emailDomains);
  const assertionId = attr(assertion, 'ID');
  if (!assertionId) throw new SamlError('saml_malformed', 'the assertion has no ID');
  if (bearer.requestId === null && connection.allowIdpInitiated !== true) {
    throw new SamlError(
      'saml_unsolicited',
      'the response answers no request and the connection allows no IdP-initiated sign-in',
    );
  }

  const notOnOrAfter =
    conditionsEnd && conditionsEnd < bearer.notOnOrAfter ? conditionsEnd : bearer.notOnOrAfter;
  // Remembered past NotOnOrAfter by the skew: until then the time checks would still let it in.
  const forgetAfter = new Date(notOnOrAfter.getTime() + skewMs);
  if (!(await store.rememberAssertion(assertionId, connection.id, forgetAfter))) {
    throw new SamlError('saml_replayed', 'this assertion has been used before');
  }
  if (bearer.requestId !== null && !(await store.consumeRequest(bearer.requestId, connection.id))) {
    throw new SamlError(
      'saml_unknown_request',
      'the response answers a request this connection did not issue or has used',
    );
  }
  return { ...person, assertionId, inResponseTo: bearer.requestId, issuer, notOnOrAfter };
}

/**
 * Some signature must cover the assertion: its own, by default, as Muster's
 * metadata asks (WantAssertionsSigned); the response's alone only when the
 * connection allows unsigned assertions.
 */
function refuseUnsigned(responseSigned: boolean, assertionSigned: boolean, connection: SamlConnection): void {
  if (!responseSigned && !assertionSigned) {
    throw new SamlError('saml_unsigned', 'neither the response nor the assertion is signed');
  }
  if (!assertionSigned && connection.allowUnsignedAssertions !== true) {
    throw new SamlError(
      'saml_unsigned',
      'the assertion is not signed, and the connection requires signed assertions',
    );
  }
}

/**
 * The request a response says it answers, read without any check: only to
 * find the test sign-in a refused response belongs to, so that its failure
 * can be shown to the one who started it. Never trusted for anything else.
 */
export function claimedRequestId(samlResponse: string, maxBytes = defaultMaxXmlBytes): string | null {
  try {
    const root = parseXml(decodeBase64Xml(samlResponse, maxBytes).xml).documentElement;
    return (root && attr(root, 'InResponseTo')) || null;
  } catch {
    return null;
  }
}
