import { quote, SamlError } from './errors.ts';
import { ns } from './names.ts';
import { attr, child, children } from './xml.ts';

// xs:dateTime with a zone; SAML requires UTC, and a time without a zone would be read as local time.
const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A SAML time attribute as a Date, null when absent; an unreadable one is refused. */
export function timeAttr(el: Element, name: string): Date | null {
  const value = attr(el, name);
  if (value === null) return null;
  const ms = dateTime.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new SamlError('saml_malformed', `${el.localName}@${name} ${quote(value)} is not a time`);
  return new Date(ms);
}

/** Refuses a window that has not opened or has closed, allowing the skew either way. */
export function checkWindow(el: Element, now: Date, skewMs: number): Date | null {
  const notBefore = timeAttr(el, 'NotBefore');
  const notOnOrAfter = timeAttr(el, 'NotOnOrAfter');
  if (notBefore && now.getTime() + skewMs < notBefore.getTime()) {
    throw new SamlError('saml_not_yet_valid', `${el.localName} is valid from ${notBefore.toISOString()}`);
  }
  if (notOnOrAfter && now.getTime() - skewMs >= notOnOrAfter.getTime()) {
    throw new SamlError('saml_expired', `${el.localName} expired at ${notOnOrAfter.toISOString()}`);
  }
  return notOnOrAfter;
}

/**
 * The times an assertion must carry, checked before anything is read from
 * it: an IssueInstant, a NotOnOrAfter on its bearer SubjectConfirmationData
 * and on Conditions with attributes. The Web SSO profile asks them of a
 * bearer assertion, and without them nothing bounds how long it is good.
 */
export function requireTimes(assertion: Element): void {
  if (!timeAttr(assertion, 'IssueInstant'))
    throw new SamlError('saml_malformed', 'the assertion has no IssueInstant');
  const conditions = children(assertion, ns.assertion, 'Conditions');
  if (conditions.length > 1)
    throw new SamlError('saml_malformed', 'the assertion has more than one Conditions');
  const condition = conditions[0];
  if (condition && condition.attributes.length > 0 && !timeAttr(condition, 'NotOnOrAfter')) {
    throw new SamlError('saml_malformed', 'Conditions has no NotOnOrAfter');
  }
  const subject = child(assertion, ns.assertion, 'Subject');
  for (const confirmation of subject ? children(subject, ns.assertion, 'SubjectConfirmation') : []) {
    for (const data of children(confirmation, ns.assertion, 'SubjectConfirmationData')) {
      if (data.attributes.length > 0 && !timeAttr(data, 'NotOnOrAfter')) {
        throw new SamlError('saml_malformed', 'SubjectConfirmationData has no NotOnOrAfter');
      }
    }
  }
}
