import type { Attribute, ResolvedPath } from '../schema/index.ts';

/** A SCIM resource or complex value as JSON: canonical attribute names, extensions under their schema URN. */
export type ScimJson = Record<string, unknown>;

export function isObject(value: unknown): value is ScimJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A member of a JSON object found as SCIM finds names: case-insensitively, an exact spelling first. */
export function fieldOf(object: ScimJson, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : object[key];
}

/** Sets a member, or deletes it for undefined, so unassigned attributes never linger as keys. */
export function assign(object: ScimJson, name: string, value: unknown): void {
  if (value === undefined) delete object[name];
  else object[name] = value;
}

/**
 * Attributes the resource keeps. readOnly ones are the server's to set, and
 * writeOnly ones (password) are never stored, so both are dropped from input.
 */
export function isStored(attribute: Attribute): boolean {
  return attribute.mutability !== 'readOnly' && attribute.mutability !== 'writeOnly';
}

/** How messages name an attribute: `name.givenName`, URN-qualified for an extension. */
export function nameOf(
  resolved: Pick<ResolvedPath, 'schema' | 'core' | 'attribute'>,
  sub?: Attribute,
): string {
  const local = sub ? `${resolved.attribute.name}.${sub.name}` : resolved.attribute.name;
  return resolved.core ? local : `${resolved.schema.id}:${local}`;
}

/** The object an attribute lives in: the resource itself, or its extension's object under the schema URN. */
export function containerOf(
  resource: ScimJson,
  resolved: Pick<ResolvedPath, 'schema' | 'core'>,
  create: boolean,
): ScimJson | undefined {
  if (resolved.core) return resource;
  const existing = resource[resolved.schema.id];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const made: ScimJson = {};
  resource[resolved.schema.id] = made;
  return made;
}
