import type { CompareOperator, FilterNode, FilterScalar } from '../../../storage/index.ts';
import type { ScimDialect } from '../../idp-profiles/index.ts';
import type { ResolvedPath, ResourceType } from '../schema/index.ts';
import { filterError } from './error.ts';
import { comparison, resolveAttribute, resolveSubAttribute, toFilterAttribute } from './operands.ts';
import { type Token, tokenize } from './tokens.ts';

export const maxFilterLength = 4096;
export const maxFilterDepth = 50;

const operators: ReadonlySet<string> = new Set<CompareOperator>([
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
]);

/**
 * Parses a SCIM filter (RFC 7644 §3.4.2.2) and resolves its attribute paths
 * against the resource type. Precedence: not, then and, then or. Anything it
 * does not understand is a 400 invalidFilter, never a filter that matches all.
 * A sub-attribute after a value path (`emails[type eq "work"].value eq "x"`)
 * and an extension's attribute named without its URN (`manager.value eq "x"`,
 * when one extension alone defines it) are read from every client; other
 * forms beyond the RFC are understood only where the dialect allows them.
 */
export function parseFilter(text: string, resourceType: ResourceType, dialect: ScimDialect): FilterNode {
  if (text.length > maxFilterLength) {
    throw filterError(
      `the filter is ${text.length} characters long, more than the ${maxFilterLength} allowed`,
    );
  }
  const parser = new Parser(tokenize(text), resourceType, dialect);
  if (parser.peek().kind === 'end') throw filterError('the filter is empty');
  return parser.filter();
}

const describe = (token: Token) =>
  token.kind === 'end' ? 'the end of the filter' : JSON.stringify(token.text);

class Parser {
  readonly #tokens: readonly Token[];
  readonly #resourceType: ResourceType;
  readonly #dialect: ScimDialect;
  #index = 0;
  #depth = 0;

  constructor(tokens: readonly Token[], resourceType: ResourceType, dialect: ScimDialect) {
    this.#tokens = tokens;
    this.#resourceType = resourceType;
    this.#dialect = dialect;
  }

  filter(): FilterNode {
    const node = this.#or(undefined);
    const rest = this.peek();
    if (rest.kind === ')') {
      throw filterError('unbalanced parentheses: nothing opened this ")"', rest.position);
    }
    if (rest.kind === ']') throw filterError('unbalanced brackets: nothing opened this "]"', rest.position);
    if (rest.kind !== 'end') {
      throw filterError(`expected "and", "or" or the end, found ${describe(rest)}`, rest.position);
    }
    return node;
  }

  peek(): Token {
    // tokenize always ends the list with an end token, which is never consumed.
    return this.#tokens[this.#index] ?? { kind: 'end', text: '', position: 0 };
  }

  #next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.#index++;
    return token;
  }

  #isWord(word: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text.toLowerCase() === word;
  }

  /** `scope` is the attribute of an enclosing `[...]`, whose sub-attributes the names inside refer to. */
  #or(scope: ResolvedPath | undefined): FilterNode {
    let left = this.#and(scope);
    while (this.#isWord('or')) {
      const keyword = this.#next();
      left = { kind: 'or', left, right: this.#and(scope, keyword) };
    }
    return left;
  }

  #and(scope: ResolvedPath | undefined, after?: Token): FilterNode {
    let left = this.#factor(scope, after);
    while (this.#isWord('and')) {
      const keyword = this.#next();
      left = { kind: 'and', left, right: this.#factor(scope, keyword) };
    }
    return left;
  }

  #factor(scope: ResolvedPath | undefined, after: Token | undefined): FilterNode {
    const token = this.peek();
    if (this.#isWord('not')) {
      this.#next();
      const open = this.#next();
      if (open.kind !== '(') {
        throw filterError(`"not" must be followed by "(", found ${describe(open)}`, open.position);
      }
      return { kind: 'not', filter: this.#group(open, scope) };
    }
    if (token.kind === '(') return this.#group(this.#next(), scope);
    if (token.kind === 'word') return this.#expression(scope);
    if (token.kind === 'end' && after) {
      throw filterError(`expected a filter after "${after.text}"`, after.position);
    }
    throw filterError(`expected an attribute name, found ${describe(token)}`, token.position);
  }

  #group(open: Token, scope: ResolvedPath | undefined): FilterNode {
    this.#enter(open);
    if (this.peek().kind === ')') throw filterError('empty parentheses', open.position);
    const node = this.#or(scope);
    const close = this.#next();
    if (close.kind === 'end') {
      throw filterError('unbalanced parentheses: this "(" is never closed', open.position);
    }
    if (close.kind !== ')') {
      throw filterError(`expected "and", "or" or ")", found ${describe(close)}`, close.position);
    }
    this.#depth--;
    return node;
  }

  #enter(open: Token): void {
    this.#depth++;
    if (this.#depth > maxFilterDepth) {
      throw filterError(`nested deeper than ${maxFilterDepth} levels`, open.position);
    }
  }

  #expression(scope: ResolvedPath | undefined): FilterNode {
    const word = this.#next();
    const path = scope ? resolveSubAttribute(scope, word) : resolveAttribute(this.#resourceType, word);
    if (this.peek().kind === '[') return this.#valuePath(path, word, scope);
    return this.#condition(path, word);
  }

  /** `op value` or `pr` after an attribute path. */
  #condition(path: ResolvedPath, word: Token): FilterNode {
    const opWord = this.#next();
    if (opWord.kind === 'end') throw filterError(`missing operator after ${describe(word)}`, opWord.position);
    const op = opWord.text.toLowerCase();
    if (opWord.kind === 'word' && op === 'pr') return { kind: 'present', attribute: toFilterAttribute(path) };
    if (opWord.kind !== 'word' || !operators.has(op)) {
      const expected = 'eq, ne, co, sw, ew, gt, ge, lt, le or pr';
      throw filterError(`unknown operator ${describe(opWord)} (expected ${expected})`, opWord.position);
    }
    const valueWord = this.#next();
    const value = scalarOf(valueWord, this.#dialect);
    if (value === undefined) {
      if (valueWord.kind === 'end') {
        throw filterError(`missing value after "${opWord.text}"`, opWord.position);
      }
      const message = `expected a value (a string in double quotes, a number, true, false or null), found ${describe(valueWord)}`;
      throw filterError(message, valueWord.position);
    }
    return comparison({ path, word, op: op as CompareOperator, opWord, value, valueWord }, this.#dialect);
  }

  #valuePath(path: ResolvedPath, word: Token, scope: ResolvedPath | undefined): FilterNode {
    const open = this.#next();
    if (scope) throw filterError('a "[...]" filter cannot be nested inside another', open.position);
    if (path.subAttribute || path.attribute.type !== 'complex') {
      throw filterError(
        `"[...]" follows a complex attribute, and ${describe(word)} is not one`,
        open.position,
      );
    }
    this.#enter(open);
    if (this.peek().kind === ']') throw filterError('empty "[]"', open.position);
    const filter = this.#or(path);
    const close = this.#next();
    if (close.kind === 'end') {
      throw filterError('unbalanced brackets: this "[" is never closed', open.position);
    }
    if (close.kind !== ']') {
      throw filterError(`expected "and", "or" or "]", found ${describe(close)}`, close.position);
    }
    this.#depth--;
    const after = this.peek();
    if (after.kind === 'word' && after.text.startsWith('.')) {
      // RFC 7644's filter grammar ends a value path at "]"; IdPs follow it with a sub-attribute,
      // `emails[type eq "work"].value eq "x"`: one value that matches the brackets and the comparison.
      this.#next();
      const subWord: Token = { kind: 'word', text: after.text.slice(1), position: after.position + 1 };
      const tail = this.#condition(resolveSubAttribute(path, subWord), subWord);
      return {
        kind: 'valuePath',
        attribute: toFilterAttribute(path),
        filter: { kind: 'and', left: filter, right: tail },
      };
    }
    return { kind: 'valuePath', attribute: toFilterAttribute(path), filter };
  }
}

/** true, false and null in any case: RFC 7644's ABNF literals are case-insensitive (RFC 5234 §2.3). */
function scalarOf(token: Token, dialect: ScimDialect): FilterScalar | undefined {
  if (token.kind === 'string' || token.kind === 'number') return token.value;
  if (token.kind !== 'word') return undefined;
  const keyword = token.text.toLowerCase();
  if (keyword === 'true') return true;
  if (keyword === 'false') return false;
  if (keyword === 'null') return null;
  // `unquotedFilterStrings`: an unquoted word that is no keyword can only be meant as a string.
  // A missing value still fails.
  if (!dialect.unquotedFilterStrings) return undefined;
  if (reservedWords.has(keyword) || operators.has(keyword) || token.text.startsWith('.')) return undefined;
  return token.text;
}

const reservedWords: ReadonlySet<string> = new Set(['and', 'or', 'not', 'pr']);
