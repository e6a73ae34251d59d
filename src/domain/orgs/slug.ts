import { isUuid } from '../../infra/ids/index.ts';

export const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A slug from a name: "Platform & Infra" → "platform-infra". Empty when the name has no letters or digits. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
}

/**
 * `{org}` and `{team}` in paths are an id or a slug; a slug may never look
 * like an id. Anything shaped like neither names nothing, and needs no query.
 */
export function parseRef(value: string): { id: string } | { slug: string } | undefined {
  const lower = value.toLowerCase();
  if (isUuid(lower)) return { id: lower };
  return slugPattern.test(lower) ? { slug: lower } : undefined;
}

export function isValidSlug(value: string): boolean {
  return slugPattern.test(value) && !isUuid(value);
}
