import type { Request, Response, Router } from 'express';
import { MusterError } from '../../../errors.ts';
import { html, type SafeHtml } from '../../http/index.ts';
import { type ConsoleKit, callApi, orgIn, orgPath, shownError, showOrgPage } from '../kit.ts';
import { jsonText, nextPageLink, timeText } from './connections-format.ts';

/** An audit event as the admin API answers it. */
interface AuditEvent {
  readonly id: string;
  readonly actor: { readonly type: string; readonly id: string | null };
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string | null };
  readonly before: unknown;
  readonly after: unknown;
  readonly requestId: string | null;
  readonly createdAt: string;
}

// Actors are named by one member lookup each; a page of 50 events rarely has more than a few people.
const maxActorLookups = 20;

async function actorNames(kit: ConsoleKit, res: Response, events: readonly AuditEvent[]) {
  const names = new Map<string, string>();
  const userIds = [
    ...new Set(events.filter((e) => e.actor.type === 'user' && e.actor.id).map((e) => e.actor.id as string)),
  ];
  for (const userId of userIds.slice(0, maxActorLookups)) {
    try {
      const member = await callApi<{ email: string }>(kit, res, 'get', '/orgs/{org}/members/{user}', {
        params: { user: userId },
      });
      names.set(userId, member.email);
    } catch (error) {
      if (!(error instanceof MusterError && error.code === 'not_found')) throw error;
      names.set(userId, 'a former member');
    }
  }
  return names;
}

function actorOf(res: Response, e: AuditEvent, names: ReadonlyMap<string, string>): SafeHtml {
  const id = e.actor.id;
  switch (e.actor.type) {
    case 'user':
      return html`${(id && names.get(id)) ?? `user ${id ?? ''}`}`;
    case 'admin_token':
      return html`the operator`;
    case 'system':
      return html`Muster <span class="note">(scheduled work)</span>`;
    case 'api_key':
      return html`API key <code>${id ?? ''}</code>`;
    case 'scim':
      return id
        ? html`SCIM directory <a href="${orgPath(orgIn(res), `/directories/${encodeURIComponent(id)}`)}"><code>${id}</code></a>`
        : html`a SCIM directory`;
    default:
      return html`${e.actor.type} <code>${id ?? ''}</code>`;
  }
}

function targetOf(res: Response, e: AuditEvent, filterLink: (targetId: string) => string): SafeHtml {
  const id = e.target.id;
  if (!id) return html`${e.target.type}`;
  const page =
    e.target.type === 'connection'
      ? orgPath(orgIn(res), `/connections/${encodeURIComponent(id)}`)
      : e.target.type === 'directory'
        ? orgPath(orgIn(res), `/directories/${encodeURIComponent(id)}`)
        : null;
  return html`${e.target.type} ${page ? html`<a href="${page}"><code>${id}</code></a>` : html`<code>${id}</code>`} <a href="${filterLink(id)}" aria-label="Only events of ${e.target.type} ${id}">(only these)</a>`;
}

function changes(e: AuditEvent): SafeHtml {
  if (e.before === null && e.after === null) return html``;
  return html`<details><summary>Details</summary>${
    e.before !== null ? html`<p>Before: <code>${jsonText(e.before)}</code></p>` : ''
  }${e.after !== null ? html`<p>After: <code>${jsonText(e.after)}</code></p>` : ''}</details>`;
}

interface Filters {
  readonly action: string;
  readonly targetId: string;
}

const queryText = (req: Request, name: string, max: number) => {
  const value = req.query[name];
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
};

/** The audit log: who did what, newest first, a page at a time, by action and target. */
export function auditPages(router: Router, kit: ConsoleKit): void {
  router.get('/audit', async (req, res) => {
    const org = orgIn(res);
    const filters: Filters = {
      action: queryText(req, 'action', 100),
      targetId: queryText(req, 'targetId', 200),
    };
    const cursor = queryText(req, 'cursor', 200);
    const kept = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '')) as Record<
      string,
      string
    >;
    let page: { data: AuditEvent[]; nextCursor: string | null } = { data: [], nextCursor: null };
    let refusal: { error: string; status: number } | undefined;
    try {
      page = await callApi(kit, res, 'get', '/orgs/{org}/audit-events', {
        query: { limit: '50', ...kept, ...(cursor ? { cursor } : {}) },
      });
    } catch (error) {
      refusal = shownError(error, res);
    }
    const names = await actorNames(kit, res, page.data);
    const base = orgPath(org, '/audit');
    const filterLink = (targetId: string) =>
      `${base}?${new URLSearchParams({ ...(filters.action ? { action: filters.action } : {}), targetId })}`;
    const actions = [...new Set(page.data.map((e) => e.action))].sort();
    showOrgPage(req, res, {
      section: 'audit',
      title: 'Audit log',
      error: refusal?.error,
      status: refusal?.status,
      body: html`<form method="get" action="${base}" class="filters" role="search">
<div><label for="audit-action">Action</label><input id="audit-action" name="action" maxlength="100" list="audit-actions" value="${filters.action}" placeholder="connection.updated"><datalist id="audit-actions">${actions.map(
        (a) => html`<option value="${a}"></option>`,
      )}</datalist></div>
<div><label for="audit-target">Target id</label><input id="audit-target" name="targetId" maxlength="200" value="${filters.targetId}"></div>
<div><button type="submit">Filter</button></div></form>
${kept.action || kept.targetId ? html`<p><a href="${base}">All events</a></p>` : ''}
<div class="scroll"><table><caption class="note">Newest first</caption><thead><tr><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Target</th><th scope="col">Request id</th><th scope="col">Changes</th></tr></thead><tbody>${
        page.data.length === 0
          ? html`<tr><td colspan="6" class="note">No events${kept.action || kept.targetId ? ' match' : ' yet'}.</td></tr>`
          : ''
      }${page.data.map(
        (e) =>
          html`<tr><td>${timeText(e.createdAt, { seconds: true })}</td><td>${e.action}</td><td>${actorOf(res, e, names)}</td><td>${targetOf(res, e, filterLink)}</td><td><code>${e.requestId ?? ''}</code></td><td>${changes(e)}</td></tr>`,
      )}</tbody></table></div>
${nextPageLink(base, kept, page.nextCursor, 'Older events')}`,
    });
  });
}
