import { scimBadRequest } from '../../../errors.ts';
import { fieldOf, isObject } from '../resource/index.ts';

export const patchOpSchemaId = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** More operations than any IdP sends in one request; a bound on the work one request can ask for. */
export const maxOperations = 1000;

export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  readonly op: PatchOpName;
  readonly path: string | undefined;
  /** Whether the operation carried a `value` member at all: `remove members` without one empties the group. */
  readonly hasValue: boolean;
  readonly value: unknown;
}

const opNames: readonly string[] = ['add', 'replace', 'remove'];

function syntax(message: string): Error {
  return scimBadRequest('invalidSyntax', message);
}

function hasField(object: Record<string, unknown>, name: string): boolean {
  return Object.keys(object).some((k) => k.toLowerCase() === name);
}

/** RFC 7644 §3.5.2 writes the names in lower case; IdPs send "Add", "Replace", "Remove", read the same. */
function opName(op: unknown, where: string): PatchOpName {
  const lower = typeof op === 'string' ? op.toLowerCase() : undefined;
  if (lower === undefined || !opNames.includes(lower)) {
    throw syntax(`${where}.op must be add, replace or remove`);
  }
  return lower as PatchOpName;
}

function parseOperation(raw: unknown, index: number): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw syntax(`${where} must be an object`);
  const name = opName(fieldOf(raw, 'op'), where);
  const rawPath = fieldOf(raw, 'path');
  if (rawPath !== undefined && rawPath !== null && (typeof rawPath !== 'string' || rawPath === '')) {
    throw scimBadRequest('invalidPath', `${where}.path must be a non-empty string`);
  }
  const path = typeof rawPath === 'string' ? rawPath : undefined;
  const hasValue = hasField(raw, 'value');
  const value = fieldOf(raw, 'value');
  if (name === 'remove' && path === undefined) {
    throw scimBadRequest('noTarget', `${where}: remove needs a path`);
  }
  // RFC 7644 §3.5.2.2 gives remove no value, and without a filter it removes every value. IdPs send a
  // value list naming the values to drop (`members`, `emails`): it removes exactly those, never all of
  // them, as reading it as "remove all" would empty a group of thousands. `hasValue` keeps the two apart.
  if (name !== 'remove' && path === undefined && !isObject(value)) {
    throw scimBadRequest('invalidValue', `${where}: ${name} without a path needs an object value`);
  }
  if (name !== 'remove' && !hasValue) throw scimBadRequest('invalidValue', `${where}: ${name} needs a value`);
  return { op: name, path, hasValue, value };
}

/** A PatchOp body (RFC 7644 §3.5.2) as its list of operations; malformed bodies are 400 before anything applies. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw syntax('The request body must be a JSON object');
  const schemas = fieldOf(body, 'schemas');
  const wanted = patchOpSchemaId.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === wanted)) {
    throw syntax(`schemas must include ${patchOpSchemaId}`);
  }
  const operations = fieldOf(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw syntax('Operations must be a non-empty array');
  }
  if (operations.length > maxOperations)
    throw syntax(`Operations may hold at most ${maxOperations} operations`);
  return operations.map((raw, index) => parseOperation(raw, index));
}
