import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { freshEmail, localMember } from '../protocols/login/support.ts';
import type { TestApp } from './app.ts';

/** An owner or admin of the org, with a password and a session: the console's usual viewer. */
export async function consoleMember(
  t: TestApp,
  orgId: string,
  role: 'owner' | 'admin' | 'member' = 'admin',
): Promise<{ userId: string; email: string; cookie: string }> {
  const email = freshEmail('admin');
  const userId = await localMember(t, orgId, email);
  if (role !== 'member') {
    const set = await t.admin.patch(`/api/v1/orgs/${orgId}/members/${userId}`, { role });
    assert.equal(set.status, 200, JSON.stringify(set.body));
  }
  const { cookie } = await t.sessionFor(orgId, userId);
  return { userId, email, cookie };
}

function setCookieOf(res: supertest.Response, name: string): string | undefined {
  const raw = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return raw.find((c) => c.startsWith(`${name}=`))?.split(';')[0];
}

/**
 * The console as a browser without script sees it: a Cookie header (the
 * session, then the CSRF cookie the pages set), GETs of pages, and posts of
 * a page's form with the CSRF field that form carries.
 */
export class ConsoleClient {
  #cookies: Map<string, string>;

  constructor(
    private readonly t: TestApp,
    cookie: string,
  ) {
    this.#cookies = new Map(
      cookie
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean)
        .map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)] as [string, string]),
    );
  }

  get cookie(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #keep(res: supertest.Response) {
    for (const name of ['muster_csrf', 'muster_console_notice', 'muster_console', 'muster_session']) {
      const line = setCookieOf(res, name);
      if (!line) continue;
      const value = line.slice(name.length + 1);
      if (value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  async get(path: string): Promise<supertest.Response> {
    const res = await supertest(this.t.app).get(path).set('Cookie', this.cookie);
    this.#keep(res);
    return res;
  }

  /**
   * Opens `page`, finds the form posting to `action`, and posts `fields`
   * with that form's CSRF field. Redirects are not followed: the answer is
   * returned as it is.
   */
  async submit(
    page: string,
    action: string,
    fields: Record<string, string | string[]>,
  ): Promise<supertest.Response> {
    const opened = await this.get(page);
    assert.equal(opened.status, 200, opened.text.slice(0, 500));
    const csrf = csrfFor(opened.text, action);
    return this.post(action, { ...fields, csrf });
  }

  /** Posts a form as it is, CSRF field included or not. */
  async post(action: string, fields: Record<string, string | string[]>): Promise<supertest.Response> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) body.append(k, one);
    const res = await supertest(this.t.app)
      .post(action)
      .set('Cookie', this.cookie)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(body.toString());
    this.#keep(res);
    return res;
  }
}

/** The CSRF field of the form of a page whose action is `action`. */
export function csrfFor(page: string, action: string): string {
  const escaped = action.replace(/&/g, '&amp;').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const form = new RegExp(`<form[^>]*action="${escaped}"[^>]*>([\\s\\S]*?)</form>`).exec(page);
  assert.ok(form, `a form posting to ${action}`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(form[1] ?? '')?.[1];
  assert.ok(csrf, `the form posting to ${action} has a CSRF field`);
  return csrf;
}

/** Where the browser tests leave their screenshots, for a reviewer (ignored by git). */
export const screenshotDir = join(process.cwd(), 'test-results', 'screenshots');

/**
 * Screenshots of the page as it is, at 1280 and at 375 px wide, full
 * length; checks at 375 that nothing but a table's own scroller overflows
 * sideways. Leaves the viewport at 1280.
 */
export async function screenshotBothWidths(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(screenshotDir, `${name}-${width}.png`), fullPage: true });
    if (width === 375)
      assert.equal(
        await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        true,
        `${name}: no sideways scrolling of the page at 375 px`,
      );
  }
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: { readonly target: unknown[] }[];
}

/**
 * Runs axe-core's WCAG 2 A and AA rules on the page as it is and returns
 * what it finds. axe is evaluated through the DevTools protocol, which the
 * page's CSP (no script at all) does not govern, so the page is checked as
 * it is served.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  const { readFileSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
}
