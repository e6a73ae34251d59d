import { scimBadRequest } from '../../errors.ts';
import type { FilterNode } from '../../storage/index.ts';
import { capabilities } from './discovery.ts';
import { parseFilter } from './filter/index.ts';
import type { ResourceType } from './schema/index.ts';

export interface ListQuery {
  readonly filter: FilterNode | undefined;
  readonly startIndex: number;
  readonly count: number;
}

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value))
    throw scimBadRequest('invalidValue', `${name} must be an integer`);
  return Number(value);
}

/**
 * RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0;
 * count is capped at maxResults. A filter that does not parse is 400.
 */
export function parseListQuery(type: ResourceType, query: Record<string, unknown>): ListQuery {
  const filterText = query.filter;
  if (filterText !== undefined && typeof filterText !== 'string') {
    throw scimBadRequest('invalidFilter', 'filter must be given once');
  }
  const startIndex = Math.max(1, integer(query.startIndex, 'startIndex') ?? 1);
  const count = Math.min(
    capabilities.maxResults,
    Math.max(0, integer(query.count, 'count') ?? capabilities.maxResults),
  );
  return { filter: filterText === undefined ? undefined : parseFilter(filterText, type), startIndex, count };
}

export const listResponseSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export function listResponse(total: number, startIndex: number, resources: unknown[]) {
  return {
    schemas: [listResponseSchema],
    totalResults: total,
    itemsPerPage: resources.length,
    startIndex,
    Resources: resources,
  };
}
