import type { ScimJson, UserProfile } from '../../storage/index.ts';

interface MultiValue {
  value?: unknown;
  type?: unknown;
  primary?: unknown;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** The address to reach a person by: the primary email, else a work email, else the first, else userName. */
export function primaryEmail(resource: ScimJson, userName: string): string {
  const emails = Array.isArray(resource.emails) ? (resource.emails as MultiValue[]) : [];
  const pick =
    emails.find((e) => e.primary === true) ??
    emails.find((e) => e.type === 'work') ??
    emails.find((e) => text(e.value));
  return text(pick?.value) ?? userName;
}

/** What the directory core keeps of a SCIM user: email and names. */
export function profileOf(resource: ScimJson, userName: string): UserProfile {
  const name = (typeof resource.name === 'object' && resource.name !== null ? resource.name : {}) as Record<
    string,
    unknown
  >;
  return {
    email: primaryEmail(resource, userName),
    given_name: text(name.givenName),
    family_name: text(name.familyName),
    display_name: text(resource.displayName) ?? text(name.formatted),
  };
}

/** A profile as audit events (and so the events feed) record it. */
export function profileSnapshot(profile: UserProfile) {
  return {
    email: profile.email,
    givenName: profile.given_name,
    familyName: profile.family_name,
    displayName: profile.display_name,
  };
}
