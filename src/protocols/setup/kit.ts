import express, { type Request, type Response } from 'express';
import type { ChangeContext } from '../../domain/audit/index.ts';
import type { OpenedSetupLink, SetupLink } from '../../domain/setup-links/index.ts';
import { MusterError } from '../../errors.ts';
import type { Db } from '../../storage/index.ts';
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
  type NoticeCookie,
  redirectWithNotice as noticeRedirect,
  type Principal,
  requestIdOf,
  type SafeHtml,
  takeNotice as takeNoticeOf,
} from '../http/index.ts';
import type { ConnectionBody } from './bodies.ts';

/** What every portal page is built with. */
export interface SetupKit {
  readonly db: Db;
  readonly api: AdminApiDeps;
  readonly csrf: CsrfOptions;
  readonly publicUrl: string;
}

/** The portal's forms: urlencoded and small; the metadata form has its own parser for uploads. */
export const setupForm = express.urlencoded({ extended: false, limit: 64 * 1024, parameterLimit: 50 });

/** The link a request's token opened (set by the router once it found the link active), and the token. */
export interface Opened extends OpenedSetupLink {
  readonly token: string;
}

interface SetupLocals {
  setup?: Opened;
}

export function openedIn(res: Response): Opened {
  const opened = (res.locals as SetupLocals).setup;
  if (!opened) throw new Error('setup page without its link');
  return opened;
}

export function setOpened(res: Response, opened: Opened): void {
  (res.locals as SetupLocals).setup = opened;
}

/** What the portal changes itself (its link) is recorded in the link's name, under the request's id. */
export function linkContext(res: Response): ChangeContext {
  return { actor: { type: 'setup_link', id: openedIn(res).link.id }, requestId: requestIdOf(res) };
}

/** The link as the admin API's principal: it reaches only what the link sets up. */
export function principalOf(link: SetupLink): Principal {
  return {
    kind: 'setup_link',
    orgId: link.orgId,
    linkId: link.id,
    features: link.features,
    connectionId: link.connectionId ?? undefined,
    directoryId: link.directoryId ?? undefined,
  };
}

/**
 * Calls an admin API operation as the link, with the API's own checks;
 * `path` is the operation's OpenAPI path and `{org}` is the link's org.
 * Answers as the API encodes it.
 */
export async function callApi<T>(
  kit: SetupKit,
  res: Response,
  method: AnyOperation['method'],
  path: string,
  call: Partial<OperationCall> = {},
): Promise<T> {
  const { link } = openedIn(res);
  const { encoded } = await invokeOperation(
    kit.api,
    findOperation(method, path),
    principalOf(link),
    requestIdOf(res),
    { ...call, params: { org: link.orgId, ...call.params } },
  );
  return encoded as T;
}

/** An API read that answers 404 for what does not exist yet: undefined then. */
export async function readIfThere<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof MusterError && error.code === 'not_found') return undefined;
    throw error;
  }
}

/** The connection the link sets up, once made; undefined before. */
export async function connectionOf(kit: SetupKit, res: Response): Promise<ConnectionBody | undefined> {
  const { link } = openedIn(res);
  if (!link.connectionId) return undefined;
  const id = link.connectionId;
  return readIfThere(() =>
    callApi<ConnectionBody>(kit, res, 'get', '/orgs/{org}/connections/{connection}', {
      params: { connection: id },
    }),
  );
}

/** The hidden CSRF field of one of the link's forms: bound to the link and the form. */
export function formToken(kit: SetupKit, req: Request, res: Response, form: string): SafeHtml {
  return csrfField(req, res, kit.csrf, `setup:${openedIn(res).link.id}:${form}`);
}

/** Refuses (403) a post without the form's CSRF token. */
export function checkForm(kit: SetupKit, req: Request, res: Response, form: string): void {
  checkCsrf(req, kit.csrf, `setup:${openedIn(res).link.id}:${form}`);
}

export { formValue };

/** Email domains as typed: separated by commas, spaces or lines. */
export function domainsOf(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter((d) => d !== '');
}

/** `/setup/{token}` and below. */
export function setupPath(res: Response, rest = ''): string {
  return `/setup/${openedIn(res).token}${rest}`;
}

const notices: NoticeCookie = { name: 'muster_setup_notice', path: '/setup' };

/** After a change: back to a portal page with a one-time notice (not in the URL). */
export const redirectWithNotice = (res: Response, to: string, notice: string) =>
  noticeRedirect(res, notices, to, notice);

/** The notice left by the last change, read once. */
export const takeNotice = (req: Request, res: Response) => takeNoticeOf(req, res, notices);

/** A refusal shown beside its form (4xx), with its details; anything else is thrown on. */
export const shownError = (error: unknown) => formRefusal(error);
