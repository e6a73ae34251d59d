import type { Request, RequestHandler, Response, Router } from 'express';
import { attachSetupDirectory } from '../../domain/setup-links/index.ts';
import { MusterError } from '../../errors.ts';
import { html, type SafeHtml } from '../http/index.ts';
import type { CreatedDirectoryBody, DirectoryBody, DirectoryTokenBody, ScimRequestBody } from './bodies.ts';
import { scimGuide } from './guides-scim.ts';
import {
  callApi,
  checkForm,
  formToken,
  openedIn,
  readIfThere,
  type SetupKit,
  setOpened,
  setupForm,
  setupPath,
  shownError,
} from './kit.ts';
import { pastedValue, showPortalPage, when } from './layout.ts';
import { providerNames, sourceName } from './providers.ts';

interface ScimShown {
  readonly error?: string | undefined;
  readonly status?: number | undefined;
  /** A token just made: shown this once. */
  readonly token?: string | undefined;
  readonly notice?: string | undefined;
}

function scimLink(res: Response) {
  const { link } = openedIn(res);
  if (!link.features.includes('scim')) throw new MusterError('not_found', 'This setup link is not for SCIM');
  return link;
}

async function directoryOf(kit: SetupKit, res: Response): Promise<DirectoryBody | undefined> {
  const id = openedIn(res).link.directoryId;
  if (!id) return undefined;
  return readIfThere(() =>
    callApi<DirectoryBody>(kit, res, 'get', '/orgs/{org}/directories/{dir}', { params: { dir: id } }),
  );
}

function outcome(request: ScimRequestBody): SafeHtml {
  if (request.status < 400) return html`succeeded`;
  const summary = request.summary as { error?: unknown } | null;
  const why = typeof summary?.error === 'string' ? summary.error : (request.scimType ?? '');
  return html`<strong>failed</strong>${why ? html`: ${why}` : ''}`;
}

/** The SCIM step: make the directory, paste its URL and token into the IdP, then see its requests arrive. */
export function scimPages(router: Router, kit: SetupKit, open: RequestHandler): void {
  const show = async (req: Request, res: Response, shown: ScimShown = {}) => {
    const link = scimLink(res);
    const { org } = openedIn(res);
    const choice = link.choice;
    if (!choice) return res.redirect(303, setupPath(res));
    const idp = providerNames[choice.provider];
    const directory = await directoryOf(kit, res);
    const notice = shown.notice ? html`<p class="notice" role="status">${shown.notice}</p>` : '';
    if (!directory) {
      const gone = link.directoryId !== null;
      return showPortalPage(req, res, {
        step: 'scim',
        title: `SCIM provisioning from ${idp}`,
        error: shown.error,
        status: shown.status,
        body: gone
          ? html`<p class="error" role="alert">The SCIM connection made through this link was deleted by ${org.name}. Ask their administrator for a new link.</p>`
          : html`<p>${idp} will create, update and deactivate ${org.name}'s users and groups in Muster over SCIM 2.0. First, make the SCIM connection: Muster then shows its URL and its token, which you paste into ${idp}.</p>
<form method="post" action="${setupPath(res, '/scim')}">${formToken(kit, req, res, 'scim-create')}<button type="submit">Create the SCIM connection</button></form>`,
      });
    }
    const guide = scimGuide(choice.provider, directory.scimBaseUrl);
    const token = shown.token
      ? html`<h3>${guide.tokenLabel}</h3>
<p class="secret">${shown.token}</p>
<p class="warn">Copy the token into ${idp} now: it is shown this once. Muster keeps only a hash of it.</p>`
      : html`<p>The token was shown once, when it was made. If you lost it, make a new one and paste it into ${idp}.</p>`;
    showPortalPage(req, res, {
      step: 'scim',
      title: `SCIM provisioning from ${idp}`,
      error: shown.error,
      status: shown.status,
      body: html`${notice}<p>The SCIM connection is made: ${directory.userCount} users and ${directory.groupCount} groups arrived so far.</p>
<h2>In ${idp}</h2>${guide.steps}
<h2>Values to paste into ${idp}</h2>${guide.values.map(pastedValue)}${token}
<form method="post" action="${setupPath(res, '/scim/token')}">${formToken(kit, req, res, 'scim-token')}<button type="submit" class="secondary">Make a new token</button></form>
<h2>Test SCIM</h2>
<p>Once ${idp} has sent its first requests (its connection test, or a user you provision), see them arrive and whether they succeeded.</p>
<p><a class="button" href="${setupPath(res, '/scim/test')}">Test SCIM</a></p>`,
    });
  };

  router.get('/setup/:token/scim', open, (req, res) => show(req, res));

  router.post('/setup/:token/scim', setupForm, open, async (req, res) => {
    const link = scimLink(res);
    checkForm(kit, req, res, 'scim-create');
    const choice = link.choice;
    if (!choice) return res.redirect(303, setupPath(res));
    if (link.directoryId)
      return show(req, res, { error: 'The SCIM connection is made already.', status: 409 });
    let created: CreatedDirectoryBody;
    try {
      created = await callApi<CreatedDirectoryBody>(kit, res, 'post', '/orgs/{org}/directories', {
        body: { name: sourceName(choice.provider, 'scim'), provider: choice.provider },
      });
    } catch (error) {
      return show(req, res, shownError(error));
    }
    setOpened(res, { ...openedIn(res), link: await attachSetupDirectory(kit.db, link, created.id) });
    return show(req, res, { token: created.token, notice: 'The SCIM connection is made.' });
  });

  /**
   * A new token for an IT admin who lost theirs. The token the IdP may
   * still use keeps working until it is replaced; of two live ones, the
   * older is revoked, as a directory keeps at most two.
   */
  router.post('/setup/:token/scim/token', setupForm, open, async (req, res) => {
    scimLink(res);
    checkForm(kit, req, res, 'scim-token');
    const directory = await directoryOf(kit, res);
    if (!directory) return show(req, res);
    try {
      const params = { dir: directory.id };
      const tokens = await callApi<{ data: DirectoryTokenBody[] }>(
        kit,
        res,
        'get',
        '/orgs/{org}/directories/{dir}/tokens',
        {
          params,
        },
      );
      const live = tokens.data
        .filter((t) => t.revokedAt === null)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const oldest = live.length >= 2 ? live[0] : undefined;
      if (oldest)
        await callApi(kit, res, 'delete', '/orgs/{org}/directories/{dir}/tokens/{token}', {
          params: { ...params, token: oldest.id },
        });
      const made = await callApi<{ token: string }>(
        kit,
        res,
        'post',
        '/orgs/{org}/directories/{dir}/tokens',
        {
          params,
        },
      );
      return show(req, res, {
        token: made.token,
        notice: oldest
          ? `A new token was made; the oldest (${oldest.prefix}…) was revoked.`
          : 'A new token was made; the previous one works until you replace it.',
      });
    } catch (error) {
      return show(req, res, shownError(error));
    }
  });

  /** The directory's last requests, from the request log (the API flushes it first). */
  router.get('/setup/:token/scim/test', open, async (req, res) => {
    scimLink(res);
    const choice = openedIn(res).link.choice;
    const directory = await directoryOf(kit, res);
    if (!choice || !directory) return res.redirect(303, setupPath(res, '/scim'));
    const idp = providerNames[choice.provider];
    const log = await callApi<{ data: ScimRequestBody[] }>(
      kit,
      res,
      'get',
      '/orgs/{org}/directories/{dir}/requests',
      {
        params: { dir: directory.id },
        query: { limit: '20' },
      },
    );
    const failed = log.data.filter((r) => r.status >= 400).length;
    showPortalPage(req, res, {
      step: 'scim',
      title: 'Test SCIM',
      body: html`${
        log.data.length === 0
          ? html`<p class="warn">No request from ${idp} arrived yet. Run ${idp}'s connection test, or provision one user, then check again.</p>`
          : html`<p>The last ${log.data.length === 1 ? 'request' : `${log.data.length} requests`} from ${idp}, newest first${
              failed > 0 ? html`: <strong>${failed} failed</strong>` : ': all succeeded'
            }.</p>
<div class="scroll"><table><thead><tr><th scope="col">Time</th><th scope="col">Method</th><th scope="col">Path</th><th scope="col">Status</th><th scope="col">Outcome</th></tr></thead><tbody>${log.data.map(
              (r) =>
                html`<tr><td>${when(r.createdAt)}</td><td>${r.method}</td><td><code>${r.path}</code></td><td>${r.status}</td><td>${outcome(r)}</td></tr>`,
            )}</tbody></table></div>`
      }
<p><a class="button" href="${setupPath(res, '/scim/test')}">Check again</a> <a href="${setupPath(res, '/scim')}">Back to SCIM provisioning</a></p>`,
    });
  });
}
