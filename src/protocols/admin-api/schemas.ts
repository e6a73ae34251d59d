import { z } from 'zod';
import { isValidSlug } from '../../domain/orgs/index.ts';
import { isUuid } from '../../infra/ids/index.ts';

/** Shapes shared by several resources of the admin API. */

export const isoDate = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});

export const id = z.string().meta({ format: 'uuid', description: 'A UUID' });

function hasControlCharacters(value: string, allowed: string): boolean {
  for (const char of value) {
    const code = char.charCodeAt(0);
    if ((code < 0x20 || code === 0x7f) && !allowed.includes(char)) return true;
  }
  return false;
}

/** One line of text: no control characters (PostgreSQL cannot store NUL at all). */
export function singleLine(max: number, min = 0) {
  return z
    .string()
    .trim()
    .min(min, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !hasControlCharacters(v, ''), { error: 'must not contain control characters' });
}

/** Free text: line breaks and tabs allowed, other control characters not. */
export function freeText(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !hasControlCharacters(v, '\n\r\t'), {
      error: 'must not contain control characters',
    });
}

export const name = singleLine(200, 1);

export const slug = z
  .string()
  .refine(isValidSlug, {
    error: 'lowercase letters, digits and hyphens, 1 to 63 characters, not shaped like a UUID',
  })
  .meta({ example: 'acme', pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$' });

/** A cursor is the base64url of the last id seen: opaque to clients. */
export const cursor = z
  .string()
  .transform((value, ctx) => {
    const decoded = Buffer.from(value, 'base64url').toString('utf8');
    if (!isUuid(decoded)) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor this API gave out' });
      return z.NEVER;
    }
    return decoded;
  })
  .meta({ description: 'The `nextCursor` of the previous page' });

export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export const pageQuery = z.strictObject({
  cursor: cursor.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: '1 to 200, default 50' }),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last' }),
  });
}

/** Turns a domain page into the wire shape. */
export function toPageBody<T extends { id: string }>(page: { items: T[]; more: boolean }) {
  const last = page.items.at(-1);
  return { data: page.items, nextCursor: page.more && last ? encodeCursor(last.id) : null };
}

export const errorResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string().optional(), message: z.string() })).optional(),
      requestId: z.string(),
    }),
  })
  .meta({ id: 'Error' });
