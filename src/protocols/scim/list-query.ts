import type { ScimListQuery, ScimPage } from '../../domain/directory/index.ts';
import { scimBadRequest } from '../../errors.ts';
import { isUuid } from '../../infra/ids/index.ts';
import type { SortKey } from '../../storage/index.ts';
import type { ScimDialect } from '../idp-profiles/index.ts';
import { capabilities } from './discovery.ts';
import { parseFilter, toFilterAttribute } from './filter/index.ts';
import { type ResourceType, resolvePath } from './schema/index.ts';

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw scimBadRequest('invalidValue', `${name} must be given once`);
  return value;
}

function integer(value: unknown, name: string): number | undefined {
  const text = single(value, name);
  if (text === undefined || text === '') return undefined;
  if (!/^-?\d+$/.test(text)) throw scimBadRequest('invalidValue', `${name} must be an integer`);
  return Number(text);
}

function parseSort(type: ResourceType, query: Record<string, unknown>): SortKey | undefined {
  const sortBy = single(query.sortBy, 'sortBy');
  const order = single(query.sortOrder, 'sortOrder')?.toLowerCase();
  if (order !== undefined && order !== 'ascending' && order !== 'descending') {
    throw scimBadRequest('invalidValue', 'sortOrder must be ascending or descending');
  }
  if (!sortBy) return undefined;
  const resolved = resolvePath(type, sortBy);
  if (
    !resolved ||
    (resolved.attribute.type === 'complex' && !resolved.subAttribute && !resolved.attribute.multiValued)
  ) {
    throw scimBadRequest('invalidPath', `sortBy names an attribute that cannot be sorted by: "${sortBy}"`);
  }
  return { attribute: toFilterAttribute(resolved), descending: order === 'descending' };
}

/** A cursor (RFC 9865) is the last id of the previous page, so it never expires. */
export function encodeScimCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  if (cursor === '') return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw scimBadRequest('invalidCursor', 'The cursor is not one this server gave out');
  return id;
}

/**
 * RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0;
 * count is capped at maxResults. RFC 9865: `cursor` (empty to begin) pages
 * by cursor instead. A filter that does not parse is 400, never a full list.
 */
export function parseListQuery(
  type: ResourceType,
  query: Record<string, unknown>,
  dialect: ScimDialect,
): ScimListQuery {
  const filterText = single(query.filter, 'filter');
  const count = Math.min(
    capabilities.maxResults,
    Math.max(0, integer(query.count, 'count') ?? capabilities.defaultPageSize),
  );
  const cursor = single(query.cursor, 'cursor');
  const sort = parseSort(type, query);
  if (cursor !== undefined && (query.startIndex !== undefined || sort)) {
    throw scimBadRequest('invalidValue', 'cursor cannot be combined with startIndex or sortBy');
  }
  return {
    filter: filterText === undefined ? undefined : parseFilter(filterText, type, dialect),
    sort,
    paging:
      cursor === undefined
        ? { kind: 'index', startIndex: Math.max(1, integer(query.startIndex, 'startIndex') ?? 1), count }
        : { kind: 'cursor', after: decodeCursor(cursor), count },
  };
}

export const listResponseSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const searchRequestSchema = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/**
 * RFC 7644 §3.4.3: a POST to `/.search` carries the query parameters in a
 * SearchRequest body. They are put in the form of a query string, so that
 * GET and POST read them alike; lists of attributes join with commas.
 */
export function searchRequestQuery(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw scimBadRequest('invalidSyntax', 'A search request is a JSON object');
  }
  const request = body as Record<string, unknown>;
  if (!Array.isArray(request.schemas) || !request.schemas.includes(searchRequestSchema)) {
    throw scimBadRequest('invalidSyntax', `A search request lists the schema ${searchRequestSchema}`);
  }
  const query: Record<string, unknown> = {};
  for (const key of ['filter', 'sortBy', 'sortOrder', 'startIndex', 'count', 'cursor']) {
    const value = request[key];
    if (value === undefined || value === null) continue;
    query[key] = typeof value === 'number' ? String(value) : value;
  }
  for (const key of ['attributes', 'excludedAttributes']) {
    const value = request[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      throw scimBadRequest('invalidValue', `${key} must be a list of attribute names`);
    }
    if (value.length) query[key] = value.join(',');
  }
  return query;
}

export function listResponse<T>(query: ScimListQuery, page: ScimPage<T>, resources: unknown[]) {
  return {
    schemas: [listResponseSchema],
    totalResults: page.total,
    itemsPerPage: resources.length,
    ...(query.paging.kind === 'index' ? { startIndex: query.paging.startIndex } : {}),
    ...(page.nextAfter ? { nextCursor: encodeScimCursor(page.nextAfter) } : {}),
    Resources: resources,
  };
}
