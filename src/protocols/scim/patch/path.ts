import { scimBadRequest } from '../../../errors.ts';
import type { ScimDialect } from '../../idp-profiles/index.ts';
import {
  type Attribute,
  ambiguousExtensions,
  findAttribute,
  type ResolvedPath,
  type ResourceType,
  resolvePath,
} from '../schema/index.ts';
import { parseValueFilter, type ValueFilter } from './filter.ts';

/**
 * Where a PATCH path points: an attribute, `name.givenName`, or values of a
 * multi-valued attribute picked by a filter, `emails[type eq "work"].value`
 * (then `subAttribute` is the part after the brackets).
 */
export interface PatchTarget {
  readonly schema: ResolvedPath['schema'];
  readonly core: boolean;
  readonly attribute: Attribute;
  readonly subAttribute: Attribute | undefined;
  readonly filter: ValueFilter | undefined;
}

function invalidPath(path: string, problem: string): Error {
  return scimBadRequest('invalidPath', `Invalid path ${path}: ${problem}`);
}

/** The index of the `]` closing the filter opened at `open`, skipping quoted strings; -1 when none. */
function closingBracket(path: string, open: number): number {
  let quoted = false;
  for (let i = open + 1; i < path.length; i += 1) {
    const c = path[i];
    if (quoted && c === '\\') i += 1;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === ']') return i;
  }
  return -1;
}

/** The attribute an unfiltered path names; an extension's attribute without its URN when one extension alone defines it. */
function resolveAttributePath(resourceType: ResourceType, attributePath: string, path: string): ResolvedPath {
  const resolved = resolvePath(resourceType, attributePath);
  if (resolved) return resolved;
  const ambiguous = ambiguousExtensions(resourceType, attributePath).map((s) => s.id);
  if (ambiguous.length > 0) {
    throw invalidPath(path, `an attribute of ${ambiguous.join(' and ')}: name it with its schema URN`);
  }
  throw invalidPath(path, `not an attribute of ${resourceType.name}`);
}

export function parsePatchPath(resourceType: ResourceType, path: string, dialect: ScimDialect): PatchTarget {
  const open = path.indexOf('[');
  if (open < 0) return { ...resolveAttributePath(resourceType, path, path), filter: undefined };
  const close = closingBracket(path, open);
  if (close < 0) throw invalidPath(path, 'unclosed [');
  const resolved = resolveAttributePath(resourceType, path.slice(0, open), path);
  const { attribute } = resolved;
  if (resolved.subAttribute || !attribute.multiValued || !attribute.subAttributes) {
    throw invalidPath(path, 'a value filter applies only to a multi-valued complex attribute');
  }
  const rest = path.slice(close + 1);
  let subAttribute: Attribute | undefined;
  if (rest !== '') {
    subAttribute = rest.startsWith('.') ? findAttribute(attribute.subAttributes, rest.slice(1)) : undefined;
    if (!subAttribute) throw invalidPath(path, `${rest} is not a sub-attribute of ${attribute.name}`);
  }
  const filter = parseValueFilter(path.slice(open + 1, close), attribute, dialect);
  return { schema: resolved.schema, core: resolved.core, attribute, subAttribute, filter };
}
