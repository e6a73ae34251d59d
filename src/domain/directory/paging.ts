import type { FilterNode, SortKey } from '../../storage/index.ts';

/** startIndex/count (RFC 7644 §3.4.2.4) or cursor/count (RFC 9865). */
export type ScimPaging =
  | { readonly kind: 'index'; readonly startIndex: number; readonly count: number }
  | { readonly kind: 'cursor'; readonly after: string | undefined; readonly count: number };

export interface ScimListQuery {
  readonly filter: FilterNode | undefined;
  readonly sort?: SortKey | undefined;
  readonly paging: ScimPaging;
  /** Users only: read each user's groups with the page. */
  readonly withGroups?: boolean | undefined;
}

export interface ScimPage<T> {
  readonly total: number;
  readonly items: T[];
  /** Cursor paging: the last id of this page when another page follows. */
  readonly nextAfter?: string | undefined;
}

type Fetch<T> = (page: { offset: number; limit: number; after: string | undefined }) => Promise<T[]>;

/**
 * One page either way; a cursor page reads one row more to learn whether
 * another follows. The total is counted only when the page cannot tell it: a
 * page that ends before `count` rows, having started at the first match or
 * found some, already says how many there are. So a lookup by userName never
 * counts.
 */
export async function scimPage<T extends { id: string }>(
  count: () => Promise<number>,
  paging: ScimPaging,
  fetch: Fetch<T>,
): Promise<ScimPage<T>> {
  if (paging.kind === 'index') {
    if (paging.count === 0) return { total: await count(), items: [] };
    const skipped = paging.startIndex - 1;
    const items = await fetch({ offset: skipped, limit: paging.count, after: undefined });
    const ended = items.length < paging.count && (items.length > 0 || skipped === 0);
    return { total: ended ? skipped + items.length : await count(), items };
  }
  if (paging.count === 0) return { total: await count(), items: [] };
  const rows = await fetch({ offset: 0, limit: paging.count + 1, after: paging.after });
  const items = rows.slice(0, paging.count);
  const more = rows.length > paging.count;
  const total = !more && paging.after === undefined ? items.length : await count();
  return { total, items, nextAfter: more ? items.at(-1)?.id : undefined };
}
