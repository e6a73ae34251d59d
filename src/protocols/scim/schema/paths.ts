import { type Attribute, findAttribute, type ResourceType, type Schema } from './attribute.ts';
import { commonAttributes } from './core.ts';

/** Where an attribute path points: the schema that defines it, the attribute and, for `a.b`, the sub-attribute. */
export interface ResolvedPath {
  readonly schema: Schema;
  /** True for the core schema and the common attributes (id, externalId, meta). */
  readonly core: boolean;
  readonly attribute: Attribute;
  readonly subAttribute: Attribute | undefined;
}

export function schemasOf(resourceType: ResourceType): readonly Schema[] {
  return [resourceType.schema, ...resourceType.extensions.map((e) => e.schema)];
}

/**
 * Splits `urn:…:User:manager.value` into the schema URN and `manager.value`.
 * The URN is matched against the resource type's schemas, longest first, case-insensitively.
 */
function splitUrn(resourceType: ResourceType, path: string): { schema: Schema | undefined; rest: string } {
  const lower = path.toLowerCase();
  const candidates = [...schemasOf(resourceType)].sort((a, b) => b.id.length - a.id.length);
  for (const schema of candidates) {
    const id = schema.id.toLowerCase();
    if (lower === id) return { schema, rest: '' };
    if (lower.startsWith(`${id}:`)) return { schema, rest: path.slice(id.length + 1) };
  }
  return { schema: undefined, rest: path };
}

/**
 * Resolves `userName`, `name.givenName`, `emails.value`, a URN-qualified path,
 * or an extension's attribute named without its URN (`department`,
 * `manager.value`); undefined when unknown or ambiguous.
 */
export function resolvePath(resourceType: ResourceType, path: string): ResolvedPath | undefined {
  const { schema: named, rest } = splitUrn(resourceType, path);
  if (path.toLowerCase().startsWith('urn:') && !named) return undefined;
  const [attrName, subName, ...more] = rest.split('.');
  if (!attrName || more.length > 0) return undefined;
  // Unqualified names are the core schema's (RFC 7644 §3.10). IdPs also name an extension's
  // attribute without its URN (`manager`, `department`): it resolves when one extension alone
  // defines it; a name two extensions define is refused, never guessed.
  const defining = named ? [] : extensionsDefining(resourceType, attrName);
  const schemas = named ? [named] : [resourceType.schema, ...(defining.length === 1 ? defining : [])];
  for (const schema of schemas) {
    const isCore = schema.id === resourceType.schema.id;
    const attr =
      findAttribute(schema.attributes, attrName) ??
      (isCore ? findAttribute(commonAttributes, attrName) : undefined);
    if (!attr) continue;
    if (subName === undefined) return { schema, core: isCore, attribute: attr, subAttribute: undefined };
    const sub = findAttribute(attr.subAttributes ?? [], subName);
    return sub ? { schema, core: isCore, attribute: attr, subAttribute: sub } : undefined;
  }
  return undefined;
}

/**
 * The extensions that each define the attribute an unqualified path names,
 * when the core schema does not and more than one does: the path is
 * ambiguous, and an error should say which URNs would make it plain.
 */
export function ambiguousExtensions(resourceType: ResourceType, path: string): readonly Schema[] {
  if (path.toLowerCase().startsWith('urn:')) return [];
  const [attrName = ''] = path.split('.');
  if (findAttribute(resourceType.schema.attributes, attrName) || findAttribute(commonAttributes, attrName))
    return [];
  const defining = extensionsDefining(resourceType, attrName);
  return defining.length > 1 ? defining : [];
}

/** The attribute definition a resolved path ends at. */
export function leafOf(resolved: ResolvedPath): Attribute {
  return resolved.subAttribute ?? resolved.attribute;
}

function extensionsDefining(resourceType: ResourceType, name: string): Schema[] {
  return resourceType.extensions
    .map((e) => e.schema)
    .filter((schema) => findAttribute(schema.attributes, name));
}
