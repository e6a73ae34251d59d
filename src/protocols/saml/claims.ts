import { quote, SamlError } from './errors.ts';
import { nameIdFormats, ns } from './names.ts';
import type { SamlPreset } from './presets.ts';
import { attr, child, children, text } from './xml.ts';

/** The person as the assertion names them, before the email is judged. */
export interface AssertedPerson {
  readonly nameId: string;
  readonly nameIdFormat: string | null;
  readonly email: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly displayName: string | null;
  readonly groups: readonly string[];
  readonly groupsTruncated: boolean;
  readonly sessionIndex: string | null;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/**
 * Reads NameID, SessionIndex and every attribute from the signed assertion,
 * each value as its whole text (comments do not split it), and picks the
 * claims by the preset's names.
 */
export function readPerson(assertion: Element, preset: SamlPreset): AssertedPerson {
  const subject = child(assertion, ns.assertion, 'Subject');
  const nameIdEl = subject && child(subject, ns.assertion, 'NameID');
  if (!nameIdEl)
    throw new SamlError('saml_malformed', 'the assertion has no NameID (an EncryptedID is not supported)');
  const nameId = text(nameIdEl);
  const nameIdFormat = attr(nameIdEl, 'Format');
  const attributes = readAttributes(assertion);
  const first = (names: readonly string[]) => firstValue(attributes, names);
  const email = first(preset.email) ?? emailFromNameId(nameId, nameIdFormat);
  if (!email)
    throw new SamlError('saml_no_email', 'the assertion carries no email, in an attribute or the NameID');
  const statement = child(assertion, ns.assertion, 'AuthnStatement');
  return {
    nameId,
    nameIdFormat,
    email,
    firstName: first(preset.firstName),
    lastName: first(preset.lastName),
    displayName: first(preset.displayName),
    groups: groupsOf(attributes, preset.groups),
    groupsTruncated: preset.groupsOverage !== null && attributes.has(preset.groupsOverage),
    sessionIndex: statement ? attr(statement, 'SessionIndex') : null,
    attributes: Object.fromEntries(attributes),
  };
}

/**
 * Refuses an email whose domain, the part after the last `@`, is not one of
 * the connection's, compared whole and in any case: `x.test.evil.example`
 * is not `x.test`, nor is `sub.x.test`.
 */
export function checkEmailDomain(email: string, domains: readonly string[]): void {
  const at = email.lastIndexOf('@');
  const domain = at > 0 ? email.slice(at + 1).toLowerCase() : '';
  if (!domain || /[\s\p{Cc}]/u.test(email) || !/^[a-z0-9.-]+$/.test(domain)) {
    throw new SamlError('saml_no_email', `${quote(email)} is not an email address`);
  }
  if (!domains.some((d) => d.toLowerCase() === domain)) {
    throw new SamlError(
      'saml_email_outside_domains',
      `the email domain ${quote(domain)} is not one of the connection's`,
    );
  }
}

/** Attribute values by name; a Map, so that no attribute name can reach an object prototype. */
function readAttributes(assertion: Element): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const statement of children(assertion, ns.assertion, 'AttributeStatement')) {
    for (const attribute of children(statement, ns.assertion, 'Attribute')) {
      const name = attr(attribute, 'Name');
      if (!name) continue;
      const values = children(attribute, ns.assertion, 'AttributeValue').map(text);
      out.set(name, [...(out.get(name) ?? []), ...values]);
    }
  }
  return out;
}

function firstValue(
  attributes: ReadonlyMap<string, readonly string[]>,
  names: readonly string[],
): string | null {
  for (const name of names) {
    const value = attributes.get(name)?.find((v) => v.length > 0);
    if (value !== undefined) return value;
  }
  return null;
}

function groupsOf(attributes: ReadonlyMap<string, readonly string[]>, names: readonly string[]): string[] {
  for (const name of names) {
    const values = attributes.get(name);
    if (values) return [...new Set(values.filter((v) => v.length > 0))];
  }
  return [];
}

/** A NameID is an email only when its format says so or says nothing; persistent ids never are. */
function emailFromNameId(nameId: string, format: string | null): string | null {
  const usable =
    format === null || format === nameIdFormats.emailAddress || format === nameIdFormats.unspecified;
  return usable && nameId.includes('@') ? nameId : null;
}
