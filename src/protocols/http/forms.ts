import type { Request, Response } from 'express';
import { MusterError } from '../../errors.ts';
import { cookiesOf } from './cookies.ts';
import { toMusterError } from './errors.ts';

/** A text field of a posted form, trimmed; '' when absent. */
export function formValue(req: Request, name: string, max = 2000): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' ? text.trim().slice(0, max) : '';
}

/** Every value of a repeated field (checkboxes, multiple selects). */
export function formValues(req: Request, name: string): string[] {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
}

/** Where a one-time notice lives: a cookie of its own, for one part of the site. */
export interface NoticeCookie {
  readonly name: string;
  readonly path: string;
}

/**
 * After a change, back to a page (post, redirect, get) with a line saying
 * what happened; the line rides in a short cookie, not the URL, so no link
 * can put words in the page's mouth.
 */
export function redirectWithNotice(res: Response, cookie: NoticeCookie, to: string, notice: string): void {
  res.cookie(cookie.name, notice.slice(0, 300), {
    httpOnly: true,
    sameSite: 'strict',
    path: cookie.path,
    maxAge: 60_000,
  });
  res.setHeader('Cache-Control', 'no-store');
  res.redirect(303, to);
}

/** The notice left by the last change, read once. */
export function takeNotice(req: Request, res: Response, cookie: NoticeCookie): string | undefined {
  const notice = cookiesOf(req).get(cookie.name);
  if (notice === undefined) return undefined;
  res.clearCookie(cookie.name, { httpOnly: true, sameSite: 'strict', path: cookie.path });
  return notice;
}

/**
 * A refusal a page shows beside its form (4xx), with up to five of its
 * details; anything else is thrown on. With `res`, a Retry-After is passed on.
 */
export function formRefusal(error: unknown, res?: Response): { error: string; status: number } {
  const problem = toMusterError(error);
  if (!(error instanceof MusterError) || problem.status >= 500) throw error;
  if (res && problem.retryAfterSeconds !== undefined)
    res.set('Retry-After', String(problem.retryAfterSeconds));
  const details = (problem.details ?? [])
    .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message))
    .slice(0, 5)
    .join('; ');
  return { error: details ? `${problem.message} (${details})` : problem.message, status: problem.status };
}
