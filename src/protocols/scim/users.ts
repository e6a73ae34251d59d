import type { Request, Response, Router } from 'express';
import {
  createScimUser,
  deleteScimUser,
  getScimUser,
  listScimUsers,
  replaceScimUser,
  type ScimUser,
} from '../../domain/directory/index.ts';
import { MusterError } from '../../errors.ts';
import type { Db } from '../../storage/index.ts';
import { requestIdOf } from '../http/index.ts';
import { directoryOf, summarize } from './context.ts';
import { listResponse, parseListQuery } from './list-query.ts';
import { applyUserPatch } from './patch/index.ts';
import { checkIfMatch, notModified } from './preconditions.ts';
import { parseProjection, project } from './project.ts';
import { etagOf, renderResource } from './render.ts';
import { normalizeResource } from './resource/index.ts';
import { sendScim } from './respond.ts';
import { userResourceType } from './schema/index.ts';

/** A PATCH that loses a race with another write reads and applies again, this many times. */
const patchAttempts = 5;

export interface ScimResourceDeps {
  readonly db: Db;
  readonly baseUrl: (directoryId: string) => string;
}

export function mountUsers(router: Router, deps: ScimResourceDeps): void {
  const ctxOf = (res: Response) => ({
    actor: { type: 'scim' as const, id: directoryOf(res).id },
    requestId: requestIdOf(res),
  });
  const send = (req: Request, res: Response, status: number, user: ScimUser) => {
    const base = deps.baseUrl(directoryOf(res).id);
    const body = project(
      renderResource(userResourceType, user, base),
      parseProjection(userResourceType, { ...req.query }),
    );
    res.setHeader('ETag', etagOf(user.version));
    if (status === 201) res.location(`${base}/Users/${user.id}`);
    summarize(res, { resourceType: 'User', id: user.id, userName: user.userName, active: user.active });
    sendScim(res, status, body);
  };
  const idOf = (req: Request) => String(req.params.id ?? '');

  router.post('/Users', async (req, res) => {
    const resource = normalizeResource(userResourceType, req.body);
    send(
      req,
      res,
      201,
      await createScimUser(deps.db, directoryOf(res), ctxOf(res), { resource, raw: req.body }),
    );
  });

  router.get('/Users', async (req, res) => {
    const query = { ...req.query };
    const list = parseListQuery(userResourceType, query);
    const projection = parseProjection(userResourceType, query);
    const directory = directoryOf(res);
    const page = await listScimUsers(deps.db, directory, list);
    const base = deps.baseUrl(directory.id);
    const resources = page.items.map((u) => project(renderResource(userResourceType, u, base), projection));
    sendScim(res, 200, listResponse(list, page, resources));
  });

  router.get('/Users/:id', async (req, res) => {
    const user = await getScimUser(deps.db, directoryOf(res), idOf(req));
    if (notModified(req, user.version)) {
      res.setHeader('ETag', etagOf(user.version));
      res.status(304).end();
      return;
    }
    send(req, res, 200, user);
  });

  router.put('/Users/:id', async (req, res) => {
    const directory = directoryOf(res);
    const current = await getScimUser(deps.db, directory, idOf(req));
    checkIfMatch(req, current.version);
    const resource = normalizeResource(userResourceType, req.body);
    const updated = await replaceScimUser(deps.db, directory, ctxOf(res), current, {
      resource,
      raw: req.body,
    });
    if (!updated)
      throw new MusterError('precondition_failed', 'The user changed while this request ran; send it again');
    send(req, res, 200, updated);
  });

  router.patch('/Users/:id', async (req, res) => {
    const directory = directoryOf(res);
    for (let attempt = 0; attempt < patchAttempts; attempt += 1) {
      const current = await getScimUser(deps.db, directory, idOf(req));
      if (attempt === 0) checkIfMatch(req, current.version);
      const { resource, changed } = applyUserPatch(current.resource, req.body);
      if (!changed) return send(req, res, 200, current);
      const updated = await replaceScimUser(deps.db, directory, ctxOf(res), current, {
        resource,
        raw: req.body,
      });
      if (updated) return send(req, res, 200, updated);
    }
    throw new MusterError('conflict', 'The user kept changing while this request ran; send it again');
  });

  router.delete('/Users/:id', async (req, res) => {
    const directory = directoryOf(res);
    const current = await getScimUser(deps.db, directory, idOf(req));
    checkIfMatch(req, current.version);
    await deleteScimUser(deps.db, directory, ctxOf(res), current.id);
    summarize(res, { resourceType: 'User', id: current.id, deleted: true });
    res.status(204).end();
  });
}
