import type { RequestHandler, Response } from 'express';

/** Text made safe for HTML, in content and in quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** A piece of HTML that is already safe: built with `html` or escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/**
 * A template tag that escapes every value it is given, except SafeHtml
 * (and arrays of it): pages are built from it, so no value reaches the
 * page unescaped by accident.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const part = (v: unknown): string =>
      v instanceof SafeHtml ? v.value : Array.isArray(v) ? v.map(part).join('') : escapeHtml(String(v ?? ''));
    out += part(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

// One stylesheet for every page, served from /assets, so the CSP needs no 'unsafe-inline'.
export const pageStylesheet = `
body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2328;background:#fff}
h1{font-size:1.5rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input{font:inherit;width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #57606a;border-radius:6px}
input:focus,button:focus,a:focus{outline:3px solid #0969da;outline-offset:2px}
button,.button{display:inline-block;font:inherit;font-weight:600;margin-top:1.25rem;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#0a5cc2;color:#fff;text-decoration:none;cursor:pointer}
.error{color:#a40e26;background:#ffebe9;border:1px solid #ff8182;padding:.6rem;border-radius:6px}
.note{color:#57606a}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
code{background:#f3f3f3;padding:.1rem .3rem;overflow-wrap:anywhere}
body.wide{max-width:72rem;margin:0 auto}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
header.bar{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.75rem 0;border-bottom:1px solid #d0d7de;margin-bottom:1.5rem}
header.bar .org{font-weight:700;margin-right:auto}
header.bar form{margin:0}header.bar button{margin:0;padding:.3rem .8rem;background:#fff;color:#0a5cc2;border:1px solid #0a5cc2}
nav.sections ul{display:flex;flex-wrap:wrap;gap:.25rem .5rem;list-style:none;padding:0;margin:0 0 1.5rem}
nav.sections a{display:inline-block;padding:.35rem .7rem;border-radius:6px;color:#0a5cc2;text-decoration:none}
nav.sections a[aria-current=page]{background:#0a5cc2;color:#fff}
.scroll{overflow-x:auto;margin:1rem 0}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa}
.notice{color:#116329;background:#dafbe1;border:1px solid #4ac26b;padding:.6rem;border-radius:6px}
.warn{color:#7d4e00;background:#fff8c5;border:1px solid #d4a72c;padding:.6rem;border-radius:6px}
.inline{display:inline}.inline button{margin:0 .25rem 0 0;padding:.3rem .7rem}
button.secondary{background:#fff;color:#0a5cc2;border:1px solid #0a5cc2}
button.danger{background:#a40e26}
select,textarea{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #57606a;border-radius:6px;background:#fff}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem 1rem}
legend{font-weight:600}
.filters{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:end}.filters>*{flex:1 1 10rem}
.secret{font-family:ui-monospace,monospace;background:#f6f8fa;border:1px solid #d0d7de;padding:.6rem;border-radius:6px;overflow-wrap:anywhere}
label.check{display:flex;align-items:center;gap:.5rem;font-weight:400;margin:.35rem 0}label.check input{width:auto;margin:0}
ul.plain{list-style:none;padding:0;margin:0}
h1,dd{overflow-wrap:anywhere}
dl.pairs{grid-template-columns:minmax(0,16rem) minmax(0,1fr)}dl.pairs dd{margin:0}
@media (max-width:40rem){dl.pairs{grid-template-columns:minmax(0,1fr);gap:0}dl.pairs dd{margin:0 0 .6rem}}
.warn.tag{display:inline-block;padding:.1rem .4rem;margin:.1rem 0}
.wrap{overflow-wrap:anywhere}
button:disabled{background:#8c959f;cursor:not-allowed}
`;

export interface Page {
  readonly title: string;
  readonly body: SafeHtml;
  readonly status?: number;
  /**
   * Origins a form of the page may end up at besides this one: browsers
   * hold the redirect after a post to form-action too, and a sign-in ends
   * at the org's application.
   */
  readonly formTargets?: readonly string[];
  /** Above the title: a header and navigation (the console's), already safe. */
  readonly header?: SafeHtml;
  /** A page of tables (the console): wider than a form's column. */
  readonly wide?: boolean;
}

function formAction(targets: readonly string[] = []): string {
  const origins = new Set<string>();
  for (const target of targets) {
    try {
      const url = new URL(target);
      if (url.protocol === 'https:' || url.protocol === 'http:') origins.add(url.origin);
    } catch {
      // Not a URL: nothing to allow.
    }
  }
  return ["'self'", ...origins].join(' ');
}

/**
 * A server-rendered page: no script, one stylesheet from this origin, a
 * Content-Security-Policy without 'unsafe-inline', forms posting only to
 * this origin, never cached, never framed.
 */
export function renderPage(res: Response, page: Page): void {
  res
    .status(page.status ?? 200)
    .set('Content-Type', 'text/html; charset=utf-8')
    .set('Cache-Control', 'no-store')
    .set(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${formAction(page.formTargets)}; frame-ancestors 'none'; base-uri 'none'`,
    )
    .set('X-Frame-Options', 'DENY')
    .set('X-Content-Type-Options', 'nosniff')
    .set('Referrer-Policy', 'no-referrer')
    .send(
      html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${page.title}</title><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/assets/muster.css"></head><body${page.wide ? html` class="wide"` : ''}>${page.header ?? ''}<main id="main"><h1>${page.title}</h1>${page.body}</main></body></html>`
        .value,
    );
}

/** GET /assets/muster.css: the pages' stylesheet, cached for a day. */
export const stylesheetHandler: RequestHandler = (_req, res) => {
  res
    .set('Content-Type', 'text/css; charset=utf-8')
    .set('Cache-Control', 'public, max-age=86400')
    .send(pageStylesheet);
};
