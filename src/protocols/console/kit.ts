import express, { type Request, type Response } from 'express';
import { MusterError } from '../../errors.ts';
import {
  type AdminApiDeps,
  type AnyOperation,
  findOperation,
  invokeOperation,
  type OperationCall,
} from '../admin-api/index.ts';
import {
  type CsrfOptions,
  checkCsrf,
  csrfField,
  formRefusal,
  formValue,
  formValues,
  type NoticeCookie,
  redirectWithNotice as noticeRedirect,
  requestIdOf,
  type SafeHtml,
  takeNotice as takeNoticeOf,
} from '../http/index.ts';
import { consolePage, type OrgSummary, type Section } from './layout.ts';
import { principalOf, type Viewer } from './viewer.ts';

/** What every console page is built with. */
export interface ConsoleKit {
  readonly api: AdminApiDeps;
  readonly csrf: CsrfOptions;
  readonly publicUrl: string;
}

/** The console's forms: small, urlencoded (a CSV upload has its own parser). */
export const consoleForm = express.urlencoded({ extended: false, limit: 64 * 1024, parameterLimit: 200 });

interface ConsoleLocals {
  viewer?: Viewer;
  consoleOrg?: OrgSummary;
}

export function viewerIn(res: Response): Viewer {
  const viewer = (res.locals as ConsoleLocals).viewer;
  if (!viewer) throw new MusterError('unauthorized', 'Sign in first');
  return viewer;
}

export function setViewer(res: Response, viewer: Viewer): void {
  (res.locals as ConsoleLocals).viewer = viewer;
}

/** The org the page is about (set by the router from the path, through the API's own check). */
export function orgIn(res: Response): OrgSummary {
  const org = (res.locals as ConsoleLocals).consoleOrg;
  if (!org) throw new Error('console page without its org');
  return org;
}

export function setOrg(res: Response, org: OrgSummary): void {
  (res.locals as ConsoleLocals).consoleOrg = org;
}

/**
 * Calls an admin API operation as the viewer, with the same checks as the
 * REST API (the console has no second path to the data); answers as the
 * API would encode it. `path` is the operation's OpenAPI path; `{org}` is
 * filled in from the page.
 */
export async function callApi<T>(
  kit: ConsoleKit,
  res: Response,
  method: AnyOperation['method'],
  path: string,
  call: Partial<OperationCall> = {},
): Promise<T> {
  const org = (res.locals as ConsoleLocals).consoleOrg;
  const { encoded } = await invokeOperation(
    kit.api,
    findOperation(method, path),
    principalOf(viewerIn(res)),
    requestIdOf(res),
    { ...call, params: { ...(org ? { org: org.id } : {}), ...call.params } },
  );
  return encoded as T;
}

/** The hidden CSRF field of one of the org's forms. */
export function formToken(kit: ConsoleKit, req: Request, res: Response, form: string): SafeHtml {
  return csrfField(req, res, kit.csrf, `console:${orgIn(res).id}:${form}`);
}

/** Refuses a post without the form's CSRF token (403). */
export function checkForm(kit: ConsoleKit, req: Request, res: Response, form: string): void {
  checkCsrf(req, kit.csrf, `console:${orgIn(res).id}:${form}`);
}

const notices: NoticeCookie = { name: 'muster_console_notice', path: '/console' };

/** After a change, back to a console page with a one-time notice (not in the URL). */
export const redirectWithNotice = (res: Response, to: string, notice: string) =>
  noticeRedirect(res, notices, to, notice);

/** The notice left by the last change, read once. */
export const takeNotice = (req: Request, res: Response) => takeNoticeOf(req, res, notices);

/** A refusal a page shows beside its form (4xx), Retry-After passed on; anything else is thrown on. */
export const shownError = (error: unknown, res: Response) => formRefusal(error, res);

export { formValue, formValues };

/** Renders one of the org's console pages: header, sections, the notice or error, then the body. */
export function showOrgPage(
  req: Request,
  res: Response,
  page: {
    readonly section: Section;
    readonly title: string;
    readonly body: SafeHtml;
    readonly error?: string | undefined;
    readonly status?: number | undefined;
  },
): void {
  consolePage(res, {
    viewer: viewerIn(res),
    org: orgIn(res),
    section: page.section,
    title: page.title,
    body: page.body,
    notice: page.error ? undefined : takeNotice(req, res),
    error: page.error,
    status: page.status,
  });
}

/** `/console/orgs/{slug}` and below. */
export function orgPath(org: OrgSummary, rest = ''): string {
  return `/console/orgs/${encodeURIComponent(org.slug)}${rest}`;
}
