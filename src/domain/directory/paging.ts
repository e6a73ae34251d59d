import type { FilterNode, SortKey } from '../../storage/index.ts';

/** startIndex/count (RFC 7644 §3.4.2.4) or cursor/count (RFC 9865). */
export type ScimPaging =
  | { readonly kind: 'index'; readonly startIndex: number; readonly count: number }
  | { readonly kind: 'cursor'; readonly after: string | undefined; readonly count: number };

export interface ScimListQuery {
  readonly filter: FilterNode | undefined;
  readonly sort?: SortKey | undefined;
  readonly paging: ScimPaging;
}

export interface ScimPage<T> {
  readonly total: number;
  readonly items: T[];
  /** Cursor paging: the last id of this page when another page follows. */
  readonly nextAfter?: string | undefined;
}

type Fetch<T> = (page: { offset: number; limit: number; after: string | undefined }) => Promise<T[]>;

/** One page either way; a cursor page reads one row more to learn whether another follows. */
export async function scimPage<T extends { id: string }>(
  total: number,
  paging: ScimPaging,
  fetch: Fetch<T>,
): Promise<ScimPage<T>> {
  if (paging.kind === 'index') {
    if (paging.count === 0 || paging.startIndex > total) return { total, items: [] };
    return {
      total,
      items: await fetch({ offset: paging.startIndex - 1, limit: paging.count, after: undefined }),
    };
  }
  if (paging.count === 0) return { total, items: [] };
  const rows = await fetch({ offset: 0, limit: paging.count + 1, after: paging.after });
  const items = rows.slice(0, paging.count);
  return { total, items, nextAfter: rows.length > paging.count ? items.at(-1)?.id : undefined };
}
