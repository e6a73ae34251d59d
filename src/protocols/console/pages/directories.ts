import type { Request, Response, Router } from 'express';
import { html } from '../../http/index.ts';
import {
  type ConsoleKit,
  callApi,
  checkForm,
  consoleForm,
  formToken,
  formValue,
  orgIn,
  orgPath,
  redirectWithNotice,
  shownError,
  showOrgPage,
} from '../kit.ts';
import { nextPageLink } from './connections-format.ts';
import { requestLogPages } from './directories-log.ts';
import {
  type DirectoryBody,
  type DirectoryToken,
  directoriesTable,
  directoryDetails,
  directoryPath,
  newDirectoryForm,
  type ShownToken,
  tokenShownOnce,
  tokensSection,
} from './directories-view.ts';

interface Shown {
  readonly error?: string;
  readonly status?: number;
}

/**
 * SCIM directories: the list, a new directory with its token shown once, a
 * page per directory (tokens: rotate and revoke; deletion with a
 * confirmation step) and its request log.
 */
export function directoryPages(router: Router, kit: ConsoleKit): void {
  const showList = async (
    req: Request,
    res: Response,
    shown: Shown & { values?: { name: string; provider: string } } = {},
  ) => {
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const page = await callApi<{ data: DirectoryBody[]; nextCursor: string | null }>(
      kit,
      res,
      'get',
      '/orgs/{org}/directories',
      { query: { limit: '50', ...(cursor ? { cursor } : {}) } },
    );
    showOrgPage(req, res, {
      section: 'directories',
      title: 'SCIM directories',
      error: shown.error,
      status: shown.status,
      body: html`${directoriesTable(res, page.data)}
${nextPageLink(orgPath(orgIn(res), '/directories'), {}, page.nextCursor, 'Next page')}
${newDirectoryForm(kit, req, res, shown.values ?? { name: '', provider: 'entra' })}`,
    });
  };

  router.get('/directories', (req, res) => showList(req, res));

  router.post('/directories', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'directory-create');
    const values = { name: formValue(req, 'name', 200), provider: formValue(req, 'provider', 50) };
    let created: DirectoryBody & { token: string };
    try {
      created = await callApi<DirectoryBody & { token: string }>(
        kit,
        res,
        'post',
        '/orgs/{org}/directories',
        {
          body: values,
        },
      );
    } catch (error) {
      return showList(req, res, { ...shownError(error, res), values });
    }
    // Shown here, in the answer to the post, and nowhere after: no redirect would carry it.
    showOrgPage(req, res, {
      section: 'directories',
      title: `Directory ${created.name} created`,
      status: 201,
      body: html`${tokenShownOnce(created)}
<p><a href="${directoryPath(res, created.id)}">Go to the directory</a> · <a href="${orgPath(orgIn(res), '/directories')}">All directories</a></p>`,
    });
  });

  const showDirectory = async (
    req: Request,
    res: Response,
    id: string,
    shown: Shown & { token?: ShownToken } = {},
  ) => {
    const d = await callApi<DirectoryBody>(kit, res, 'get', '/orgs/{org}/directories/{dir}', {
      params: { dir: id },
    });
    const tokens = await callApi<{ data: DirectoryToken[] }>(
      kit,
      res,
      'get',
      '/orgs/{org}/directories/{dir}/tokens',
      {
        params: { dir: d.id },
      },
    );
    showOrgPage(req, res, {
      section: 'directories',
      title: d.name,
      error: shown.error,
      status: shown.status,
      body: html`${shown.token ? tokenShownOnce(shown.token) : ''}${directoryDetails(d)}
<p><a href="${directoryPath(res, d.id, '/requests')}">Request log: what the IdP sent, and what came of it</a></p>
${tokensSection(kit, req, res, d, tokens.data)}
<p><a href="${directoryPath(res, d.id, '/delete')}">Delete this directory…</a></p>
<p><a href="${orgPath(orgIn(res), '/directories')}">All directories</a></p>`,
    });
  };

  router.get('/directories/:dir', (req, res) => showDirectory(req, res, String(req.params.dir)));

  router.post('/directories/:dir/tokens', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'directory-token-rotate');
    const id = String(req.params.dir);
    try {
      const d = await callApi<DirectoryBody>(kit, res, 'get', '/orgs/{org}/directories/{dir}', {
        params: { dir: id },
      });
      const made = await callApi<DirectoryToken & { token: string }>(
        kit,
        res,
        'post',
        '/orgs/{org}/directories/{dir}/tokens',
        { params: { dir: d.id } },
      );
      await showDirectory(req, res, d.id, { token: { token: made.token, scimBaseUrl: d.scimBaseUrl } });
    } catch (error) {
      await showDirectory(req, res, id, shownError(error, res));
    }
  });

  router.post('/directories/:dir/tokens/:token/revoke', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'directory-token-revoke');
    const id = String(req.params.dir);
    try {
      await callApi(kit, res, 'delete', '/orgs/{org}/directories/{dir}/tokens/{token}', {
        params: { dir: id, token: String(req.params.token) },
      });
      redirectWithNotice(
        res,
        directoryPath(res, id),
        'Token revoked: requests with it are refused from now on.',
      );
    } catch (error) {
      await showDirectory(req, res, id, shownError(error, res));
    }
  });

  router.get('/directories/:dir/delete', async (req, res) => {
    const d = await callApi<DirectoryBody>(kit, res, 'get', '/orgs/{org}/directories/{dir}', {
      params: { dir: String(req.params.dir) },
    });
    showOrgPage(req, res, {
      section: 'directories',
      title: `Delete ${d.name}?`,
      body: html`<p class="warn">Deleting <strong>${d.name}</strong> deletes its ${d.userCount} SCIM users, ${d.groupCount} groups, its tokens and its group mappings. What it granted is taken back; people it leaves with no role are suspended. The IdP's requests are refused from then on.</p>
<form method="post" action="${directoryPath(res, d.id, '/delete')}">${formToken(kit, req, res, 'directory-delete')}<input type="hidden" name="confirm" value="yes">
<button type="submit" class="danger">Delete ${d.name}</button></form>
<p><a href="${directoryPath(res, d.id)}">Keep it</a></p>`,
    });
  });

  router.post('/directories/:dir/delete', consoleForm, async (req, res) => {
    checkForm(kit, req, res, 'directory-delete');
    const d = await callApi<DirectoryBody>(kit, res, 'get', '/orgs/{org}/directories/{dir}', {
      params: { dir: String(req.params.dir) },
    });
    if (formValue(req, 'confirm') !== 'yes') {
      res.setHeader('Cache-Control', 'no-store');
      return res.redirect(303, directoryPath(res, d.id, '/delete'));
    }
    await callApi(kit, res, 'delete', '/orgs/{org}/directories/{dir}', { params: { dir: d.id } });
    redirectWithNotice(res, orgPath(orgIn(res), '/directories'), `Directory ${d.name} deleted.`);
  });

  requestLogPages(router, kit);
}
