import type { Router } from 'express';
import { html, type SafeHtml } from '../../http/index.ts';
import { type ConsoleKit, callApi, showOrgPage } from '../kit.ts';
import { jsonText, nextPageLink, timeText } from './connections-format.ts';
import { type DirectoryBody, directoryPath } from './directories-view.ts';

/** One entry of a directory's SCIM request log, as the admin API answers it. */
interface ScimRequest {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType: string | null;
  readonly durationMs: number;
  readonly requestId: string | null;
  readonly summary: unknown;
  readonly createdAt: string;
}

/** What came of a request: the refusal's reason, or what the write changed. */
function outcome(entry: ScimRequest): SafeHtml {
  const summary = entry.summary;
  const error =
    typeof summary === 'object' &&
    summary !== null &&
    typeof (summary as { error?: unknown }).error === 'string'
      ? (summary as { error: string }).error
      : null;
  if (error) return html`${entry.scimType ? html`<code>${entry.scimType}</code> ` : ''}${error}`;
  if (summary === null || summary === undefined)
    return html`${entry.scimType ? html`<code>${entry.scimType}</code>` : ''}`;
  return html`<code>${jsonText(summary, 300)}</code>`;
}

function logTable(entries: readonly ScimRequest[]): SafeHtml {
  return html`<div class="scroll"><table><caption class="note">Newest first. Requests with a wrong or revoked token are not here: they cannot be told apart from any other caller's.</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Method</th><th scope="col">Path</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Result</th><th scope="col">Request id</th></tr></thead><tbody>${
    entries.length === 0 ? html`<tr><td colspan="7" class="note">No requests yet.</td></tr>` : ''
  }${entries.map(
    (e) =>
      html`<tr><td>${timeText(e.createdAt, { seconds: true })}</td><td>${e.method}</td><td><code>${e.path}</code></td><td>${
        e.status >= 400 ? html`<span class="warn tag">${e.status}</span>` : html`${e.status}`
      }</td><td>${e.durationMs} ms</td><td>${outcome(e)}</td><td><code>${e.requestId ?? ''}</code></td></tr>`,
  )}</tbody></table></div>`;
}

/** A directory's SCIM request log, a page at a time: what the IdP did and whether it worked. */
export function requestLogPages(router: Router, kit: ConsoleKit): void {
  router.get('/directories/:dir/requests', async (req, res) => {
    const d = await callApi<DirectoryBody>(kit, res, 'get', '/orgs/{org}/directories/{dir}', {
      params: { dir: String(req.params.dir) },
    });
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const page = await callApi<{ data: ScimRequest[]; nextCursor: string | null }>(
      kit,
      res,
      'get',
      '/orgs/{org}/directories/{dir}/requests',
      { params: { dir: d.id }, query: { limit: '50', ...(cursor ? { cursor } : {}) } },
    );
    showOrgPage(req, res, {
      section: 'directories',
      title: `Request log of ${d.name}`,
      body: html`<p><a href="${directoryPath(res, d.id)}">Back to ${d.name}</a>${
        cursor ? html` · <a href="${directoryPath(res, d.id, '/requests')}">Newest requests</a>` : ''
      }</p>
${logTable(page.data)}
${nextPageLink(directoryPath(res, d.id, '/requests'), {}, page.nextCursor, 'Older requests')}`,
    });
  });
}
