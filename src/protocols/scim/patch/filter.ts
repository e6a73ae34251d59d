import { scimBadRequest } from '../../../errors.ts';
import type { ScimDialect } from '../../idp-profiles/index.ts';
import { booleanOf, type ScimJson } from '../resource/index.ts';
import { type Attribute, findAttribute } from '../schema/index.ts';

/**
 * The filter inside a PATCH value path, `emails[type eq "work"]` (RFC 7644
 * §3.5.2): comparisons of the attribute's sub-attributes joined by and/or,
 * with not and parentheses. Query-string filters are parsed elsewhere; this
 * one only has to select values of one multi-valued attribute in memory.
 */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

export type ValueFilter =
  | {
      readonly kind: 'compare';
      readonly attribute: Attribute;
      readonly op: CompareOp;
      readonly value: FilterValue;
    }
  | { readonly kind: 'present'; readonly attribute: Attribute }
  | { readonly kind: 'and' | 'or'; readonly left: ValueFilter; readonly right: ValueFilter }
  | { readonly kind: 'not'; readonly filter: ValueFilter };

const compareOps: readonly string[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

type Token =
  | { readonly kind: 'word' | 'paren'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string };

function invalid(text: string, problem: string): Error {
  return scimBadRequest('invalidPath', `Invalid value filter [${text}]: ${problem}`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) i += 1;
    else if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', text: c });
      i += 1;
    } else if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) throw invalid(text, 'unterminated string');
      try {
        tokens.push({ kind: 'string', text: JSON.parse(text.slice(i, end + 1)) as string });
      } catch {
        throw invalid(text, 'bad string escape');
      }
      i = end + 1;
    } else {
      const word = /^[^\s()"]+/.exec(text.slice(i))?.[0] ?? c;
      tokens.push({ kind: 'word', text: word });
      i += word.length;
    }
  }
  return tokens;
}

function literal(token: Token | undefined, source: string): FilterValue {
  if (token?.kind === 'string') return token.text;
  if (token?.kind !== 'word') throw invalid(source, 'a comparison needs a value');
  const lower = token.text.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  if (lower === 'null') return null;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(token.text)) return Number(token.text);
  throw invalid(source, `${token.text} is not a value; quote strings`);
}

/** A boolean attribute compares with true or false; "true" as a string only where the dialect allows it. */
function checked(attribute: Attribute, value: FilterValue, text: string, dialect: ScimDialect): FilterValue {
  if (attribute.type !== 'boolean' || value === null || typeof value === 'boolean') return value;
  const bool = booleanOf(value, dialect);
  if (bool === undefined)
    throw invalid(text, `${attribute.name} is a boolean; compare it with true or false`);
  return bool;
}

/** Parses the text between the brackets against the sub-attributes of `parent`. */
export function parseValueFilter(text: string, parent: Attribute, dialect: ScimDialect): ValueFilter {
  const tokens = tokenize(text);
  let at = 0;
  const peekWord = (word: string) => tokens[at]?.kind === 'word' && tokens[at]?.text.toLowerCase() === word;
  const expect = (paren: string) => {
    if (tokens[at]?.kind !== 'paren' || tokens[at]?.text !== paren) throw invalid(text, `expected ${paren}`);
    at += 1;
  };
  const parseOr = (): ValueFilter => {
    let left = parseAnd();
    while (peekWord('or')) {
      at += 1;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): ValueFilter => {
    let left = parseUnary();
    while (peekWord('and')) {
      at += 1;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): ValueFilter => {
    const negate = peekWord('not');
    if (negate) at += 1;
    if (negate || tokens[at]?.text === '(') {
      expect('(');
      const inner = parseOr();
      expect(')');
      return negate ? { kind: 'not', filter: inner } : inner;
    }
    const name = tokens[at];
    if (name?.kind !== 'word') throw invalid(text, 'expected an attribute name');
    const attribute = findAttribute(parent.subAttributes ?? [], name.text);
    if (!attribute) throw invalid(text, `${parent.name} has no sub-attribute ${name.text}`);
    const op = tokens[at + 1]?.kind === 'word' ? (tokens[at + 1]?.text.toLowerCase() ?? '') : '';
    at += 2;
    if (op === 'pr') return { kind: 'present', attribute };
    if (!compareOps.includes(op)) throw invalid(text, `expected an operator after ${name.text}`);
    const value = checked(attribute, literal(tokens[at], text), text, dialect);
    at += 1;
    return { kind: 'compare', attribute, op: op as CompareOp, value };
  };
  const filter = parseOr();
  if (at < tokens.length) throw invalid(text, `unexpected ${tokens[at]?.text}`);
  return filter;
}

function ordered<T extends string | number>(op: CompareOp, actual: T, expected: T): boolean {
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    case 'gt':
      return actual > expected;
    case 'ge':
      return actual >= expected;
    case 'lt':
      return actual < expected;
    case 'le':
      return actual <= expected;
    default:
      return false;
  }
}

function compare(attribute: Attribute, op: CompareOp, actual: unknown, expected: FilterValue): boolean {
  if (expected === null || actual === undefined) {
    const equal = expected === null && actual === undefined;
    return op === 'ne' ? !equal : op === 'eq' && equal;
  }
  if (attribute.type === 'boolean') {
    const equal = actual === expected;
    return op === 'ne' ? !equal : op === 'eq' && equal;
  }
  if (typeof actual === 'number' && typeof expected === 'number') return ordered(op, actual, expected);
  if (typeof actual !== 'string' || typeof expected !== 'string') return op === 'ne';
  const a = attribute.caseExact ? actual : actual.toLowerCase();
  const b = attribute.caseExact ? expected : expected.toLowerCase();
  if (op === 'co') return a.includes(b);
  if (op === 'sw') return a.startsWith(b);
  if (op === 'ew') return a.endsWith(b);
  return ordered(op, a, b);
}

export function matchesFilter(filter: ValueFilter, item: ScimJson): boolean {
  switch (filter.kind) {
    case 'compare':
      return compare(filter.attribute, filter.op, item[filter.attribute.name], filter.value);
    case 'present':
      return item[filter.attribute.name] !== undefined;
    case 'and':
      return matchesFilter(filter.left, item) && matchesFilter(filter.right, item);
    case 'or':
      return matchesFilter(filter.left, item) || matchesFilter(filter.right, item);
    case 'not':
      return !matchesFilter(filter.filter, item);
  }
}

/** The sub-attribute values an and-chain of `eq` pins down, to build the value an `add` creates; else undefined. */
export function equalitiesOf(filter: ValueFilter): ScimJson | undefined {
  if (filter.kind === 'compare') {
    return filter.op === 'eq' && filter.value !== null
      ? { [filter.attribute.name]: filter.value }
      : undefined;
  }
  if (filter.kind !== 'and') return undefined;
  const left = equalitiesOf(filter.left);
  const right = equalitiesOf(filter.right);
  return left && right ? { ...left, ...right } : undefined;
}
