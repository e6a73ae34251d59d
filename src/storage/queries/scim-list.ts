import type { FilterNode } from './scim-filter.ts';
import type { SortKey } from './scim-sort.ts';

/**
 * A page of SCIM users or groups: by offset (startIndex - 1) in creation
 * order or in `sort` order, or after a cursor (the last id of the previous
 * page) in creation order.
 */
export interface ScimListPage {
  readonly filter: FilterNode | undefined;
  readonly offset: number;
  readonly limit: number;
  readonly sort?: SortKey | undefined;
  readonly after?: string | undefined;
}
