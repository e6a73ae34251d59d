import type { CompareOperator, FilterAttribute, FilterNode, FilterScalar } from '../../../storage/index.ts';
import type { ScimDialect } from '../../idp-profiles/index.ts';
import {
  type Attribute,
  ambiguousExtensions,
  findAttribute,
  leafOf,
  type ResolvedPath,
  type ResourceType,
  resolvePath,
} from '../schema/index.ts';
import { filterError } from './error.ts';

/** A word of the filter text, kept so errors can quote it and say where it was. */
export interface Spelled {
  readonly text: string;
  readonly position: number;
}

/** An attribute path; an extension's attribute named without its URN is read when one extension alone defines it. */
export function resolveAttribute(resourceType: ResourceType, word: Spelled): ResolvedPath {
  const resolved = resolvePath(resourceType, word.text);
  if (resolved) return filterable(resolved, word);
  const ambiguous = ambiguousExtensions(resourceType, word.text).map((s) => s.id);
  const message =
    ambiguous.length > 0
      ? `${JSON.stringify(word.text)} is an attribute of ${ambiguous.join(' and ')}: name it with its schema URN`
      : `unknown attribute ${JSON.stringify(word.text)}`;
  throw filterError(message, word.position);
}

/** Inside `emails[...]` names are sub-attributes of emails, never paths of their own. */
export function resolveSubAttribute(parent: ResolvedPath, word: Spelled): ResolvedPath {
  const sub = findAttribute(parent.attribute.subAttributes ?? [], word.text);
  if (!sub) {
    const message = `unknown sub-attribute ${JSON.stringify(word.text)} of ${parent.attribute.name}`;
    throw filterError(message, word.position);
  }
  return filterable({ ...parent, subAttribute: sub }, word);
}

// A filter on a value the server never returns would still reveal it, one guess at a time.
function filterable(resolved: ResolvedPath, word: Spelled): ResolvedPath {
  if (resolved.attribute.returned === 'never' || leafOf(resolved).returned === 'never') {
    throw filterError(`${JSON.stringify(word.text)} cannot be used in a filter`, word.position);
  }
  return resolved;
}

export function toFilterAttribute(resolved: ResolvedPath): FilterAttribute {
  const leaf = leafOf(resolved);
  return {
    schema: resolved.schema.id,
    core: resolved.core,
    name: resolved.attribute.name,
    sub: resolved.subAttribute?.name,
    multiValued: resolved.attribute.multiValued,
    type: leaf.type,
    caseExact: leaf.caseExact,
  };
}

/** RFC 7644 §3.4.2.2: a multi-valued complex attribute named without a sub-attribute means its `value`. */
function comparable(resolved: ResolvedPath, word: Spelled): ResolvedPath {
  if (leafOf(resolved).type !== 'complex') return resolved;
  const value = resolved.attribute.multiValued ? findValue(resolved.attribute) : undefined;
  if (value) return { ...resolved, subAttribute: value };
  const message = `${JSON.stringify(word.text)} is a complex attribute; compare one of its sub-attributes`;
  throw filterError(message, word.position);
}

function findValue(attribute: Attribute): Attribute | undefined {
  return findAttribute(attribute.subAttributes ?? [], 'value');
}

const substring = new Set<CompareOperator>(['co', 'sw', 'ew']);

/** `attrPath compareOp compValue`, each part with the words it was spelled in. */
export interface ComparisonParts {
  readonly path: ResolvedPath;
  readonly word: Spelled;
  readonly op: CompareOperator;
  readonly opWord: Spelled;
  readonly value: FilterScalar;
  readonly valueWord: Spelled;
}

export function comparison(
  { path, word, op, opWord, value, valueWord }: ComparisonParts,
  dialect: ScimDialect,
): FilterNode {
  const target = comparable(path, word);
  const attribute = toFilterAttribute(target);
  const refuse = (why: string) => filterError(`"${op}" ${why}`, opWord.position);
  if (value === null) {
    // RFC 7643 §2.5: null and unassigned are the same state, so only (in)equality to null means anything.
    if (op === 'eq') return { kind: 'not', filter: { kind: 'present', attribute } };
    if (op === 'ne') return { kind: 'present', attribute };
    throw refuse('cannot compare with null');
  }
  const kind = attribute.type;
  if ((kind === 'boolean' || kind === 'binary') && op !== 'eq' && op !== 'ne') {
    throw refuse(`cannot be used with ${kind} ${word.text}`);
  }
  if (substring.has(op) && kind !== 'string' && kind !== 'reference') {
    throw refuse(`needs a string attribute, and ${word.text} is ${kind}`);
  }
  return {
    kind: 'compare',
    attribute,
    op,
    value: coerce(attribute, value, { word, at: valueWord, dialect }),
  };
}

interface CoerceContext {
  readonly word: Spelled;
  readonly at: Spelled;
  readonly dialect: ScimDialect;
}

function coerce(
  attribute: FilterAttribute,
  value: string | number | boolean,
  { word, at, dialect }: CoerceContext,
) {
  const wrong = (expected: string) =>
    filterError(`${word.text} is ${expected}, so ${at.text} is not a value it can have`, at.position);
  switch (attribute.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      // `stringBooleans`: "True" is read as the boolean it spells.
      if (dialect.stringBooleans && typeof value === 'string' && /^(true|false)$/i.test(value)) {
        return value.toLowerCase() === 'true';
      }
      throw wrong('a boolean');
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      throw wrong('an integer');
    case 'decimal':
      if (typeof value === 'number') return value;
      throw wrong('a number');
    case 'dateTime': {
      const normalized = typeof value === 'string' ? normalizeDateTime(value) : undefined;
      if (normalized) return normalized;
      throw wrong('a dateTime (such as "2024-05-01T12:00:00Z")');
    }
    default:
      if (typeof value === 'string') return value;
      throw wrong('a string');
  }
}

const dateTimePattern =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))?$/;

/**
 * An xsd:dateTime the database reads the same way on every engine: fields in
 * range (PostgreSQL refuses 2024-02-30 with an error, not a mismatch), and
 * UTC when no offset is given, so the session time zone does not matter.
 */
export function normalizeDateTime(value: string): string | undefined {
  const m = dateTimePattern.exec(value);
  if (!m) return undefined;
  const field = (i: number) => Number(m[i]);
  const [year, month, day] = [field(1), field(2), field(3)];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (field(4) > 23 || field(5) > 59 || field(6) > 59) return undefined;
  if (m[9] !== undefined && (field(9) > 14 || field(10) > 59)) return undefined;
  return m[8] === undefined ? `${value}Z` : value;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
