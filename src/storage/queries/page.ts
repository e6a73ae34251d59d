/** Keyset paging: ids are UUIDv7, so "after this id" is "made after this one". */
export interface PageRequest {
  /** The last id of the previous page. */
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface PageOf<T> {
  readonly items: T[];
  /** Whether rows remain past this page. */
  readonly more: boolean;
}

/** Queries fetch one row past the limit to learn whether another page exists. */
export function toPage<T>(rows: T[], limit: number): PageOf<T> {
  return rows.length > limit ? { items: rows.slice(0, limit), more: true } : { items: rows, more: false };
}
