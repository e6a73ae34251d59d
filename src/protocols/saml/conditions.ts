import { quote, SamlError } from './errors.ts';
import { bearerMethod, ns } from './names.ts';
import { checkWindow } from './time.ts';
import type { SamlConnection } from './types.ts';
import { attr, child, children, text } from './xml.ts';

/** What the bearer confirmation decided, for the replay store and the claims. */
export interface Confirmed {
  /** The AuthnRequest answered, from signed content; null when unsolicited. */
  readonly requestId: string | null;
  /** The confirmation's NotOnOrAfter. */
  readonly notOnOrAfter: Date;
}

/**
 * The Issuer of the assertion, and of the response when it has one, must
 * be the connection's IdP. SAML libraries (node-saml among them) leave this to the caller,
 * and IdPs share signing certificates (Okta's org-wide one): without this,
 * one org's IdP could sign people into another org's connection.
 */
export function checkIssuers(response: Element, assertion: Element, connection: SamlConnection): string {
  const expected = connection.idp.entityId;
  const responseIssuer = child(response, ns.assertion, 'Issuer');
  if (responseIssuer && text(responseIssuer) !== expected) {
    throw new SamlError(
      'saml_issuer_mismatch',
      `the response Issuer ${quote(text(responseIssuer))} is not the IdP's`,
    );
  }
  const issuer = child(assertion, ns.assertion, 'Issuer');
  if (!issuer || text(issuer) !== expected) {
    throw new SamlError(
      'saml_issuer_mismatch',
      `the assertion Issuer ${quote(issuer && text(issuer))} is not the IdP's`,
    );
  }
  return expected;
}

/**
 * Response@Destination must be the ACS when present, and must be present
 * when the response is signed (SAML bindings §3.5.5.2): a response meant for
 * another SP's ACS is not one to accept here.
 */
export function checkDestination(
  response: Element,
  connection: SamlConnection,
  responseSigned: boolean,
): void {
  const destination = attr(response, 'Destination');
  if (destination === null && !responseSigned) return;
  if (destination !== connection.sp.acsUrl) {
    throw new SamlError(
      'saml_destination_mismatch',
      `the response Destination ${quote(destination)} is not this connection's ACS URL`,
    );
  }
}

/** Conditions: the time window with skew, and every AudienceRestriction naming Muster's entity id. */
export function checkConditions(
  assertion: Element,
  connection: SamlConnection,
  now: Date,
  skewMs: number,
): Date | null {
  const conditions = child(assertion, ns.assertion, 'Conditions');
  if (!conditions)
    throw new SamlError('saml_audience_mismatch', 'the assertion has no Conditions and so no Audience');
  const notOnOrAfter = checkWindow(conditions, now, skewMs);
  const restrictions = children(conditions, ns.assertion, 'AudienceRestriction');
  if (restrictions.length === 0)
    throw new SamlError('saml_audience_mismatch', 'the assertion has no AudienceRestriction');
  for (const restriction of restrictions) {
    const audiences = children(restriction, ns.assertion, 'Audience').map(text);
    if (!audiences.includes(connection.sp.entityId)) {
      throw new SamlError(
        'saml_audience_mismatch',
        `the assertion is for ${audiences.map(quote).join(', ')}, not this SP`,
      );
    }
  }
  return notOnOrAfter;
}

/**
 * The bearer SubjectConfirmation: Recipient is the ACS, its window is open
 * (checked on IdP-initiated responses too, which some libraries skip), and
 * its InResponseTo agrees with the response's. The first confirmation that
 * passes is used; when none does, the first one's reason is given.
 */
export function checkBearer(
  response: Element,
  assertion: Element,
  connection: SamlConnection,
  context: { readonly now: Date; readonly skewMs: number; readonly responseSigned: boolean },
): Confirmed {
  const subject = child(assertion, ns.assertion, 'Subject');
  const bearers = (subject ? children(subject, ns.assertion, 'SubjectConfirmation') : []).filter(
    (c) => attr(c, 'Method') === bearerMethod,
  );
  if (bearers.length === 0) {
    throw new SamlError('saml_no_bearer_confirmation', 'the assertion has no bearer SubjectConfirmation');
  }
  let firstFailure: unknown;
  for (const bearer of bearers) {
    try {
      return checkOneBearer(response, bearer, connection, context);
    } catch (error) {
      firstFailure ??= error;
    }
  }
  throw firstFailure;
}

function checkOneBearer(
  response: Element,
  bearer: Element,
  connection: SamlConnection,
  context: { readonly now: Date; readonly skewMs: number; readonly responseSigned: boolean },
): Confirmed {
  const data = child(bearer, ns.assertion, 'SubjectConfirmationData');
  if (!data) throw new SamlError('saml_no_bearer_confirmation', 'the bearer confirmation has no data');
  const recipient = attr(data, 'Recipient');
  if (recipient !== connection.sp.acsUrl) {
    throw new SamlError(
      'saml_recipient_mismatch',
      `the Recipient ${quote(recipient)} is not this connection's ACS URL`,
    );
  }
  const notOnOrAfter = checkWindow(data, context.now, context.skewMs);
  if (!notOnOrAfter) throw new SamlError('saml_malformed', 'SubjectConfirmationData has no NotOnOrAfter');
  return { requestId: requestIdOf(response, data, context.responseSigned), notOnOrAfter };
}

/**
 * The request answered, taken only from signed content: the confirmation's
 * InResponseTo (inside the signed assertion), or the response's when the
 * response is signed. An InResponseTo on an unsigned response with none in
 * the assertion could turn a stolen unsolicited assertion into an answer to
 * a request the thief started, so it is refused.
 */
function requestIdOf(response: Element, data: Element, responseSigned: boolean): string | null {
  const fromResponse = attr(response, 'InResponseTo');
  const fromAssertion = attr(data, 'InResponseTo');
  if (fromResponse !== null && fromAssertion !== null && fromResponse !== fromAssertion) {
    throw new SamlError('saml_unknown_request', 'the response and the assertion answer different requests');
  }
  if (fromAssertion !== null) return fromAssertion;
  if (fromResponse !== null && !responseSigned) {
    throw new SamlError(
      'saml_unknown_request',
      'InResponseTo is on an unsigned response only, outside any signature',
    );
  }
  return fromResponse;
}
