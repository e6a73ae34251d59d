import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import type { DirectoryProvider } from '../../domain/sources/index.ts';
import { FetchRefused, guardedFetch } from '../../infra/fetch/index.ts';
import type { StoredMetadataFinding } from '../../storage/index.ts';
import type { AdminApiDeps } from '../admin-api/index.ts';
import { isSamlError, lintIdpMetadata, maxMetadataBytes, parseIdpMetadata } from '../saml/index.ts';

/** Where the IT admin's metadata comes from: the document itself, or the URL the IdP publishes it at. */
export type MetadataSource =
  | { readonly xml: string; readonly url: null }
  | { readonly xml: null; readonly url: string };

// The CSRF field first, then one of: the pasted document, one file, a URL.
const parser = multer({
  storage: multer.memoryStorage(),
  limits: {
    files: 1,
    fileSize: maxMetadataBytes,
    fields: 4,
    fieldSize: maxMetadataBytes,
    fieldNameSize: 64,
    parts: 6,
    headerPairs: 20,
  },
}).single('file');

const uploadRefusals = new WeakMap<Request, string>();

/**
 * Reads the metadata form, multipart (with a file) or urlencoded. A post
 * over the limits is noted, not thrown: the page says why, after the CSRF
 * check has had its say.
 */
export function metadataUpload(req: Request, res: Response, next: NextFunction): void {
  parser(req, res, (error: unknown) => {
    if (error === undefined || error === null) return next();
    if (!(error instanceof multer.MulterError)) return next(error);
    uploadRefusals.set(
      req,
      error.code === 'LIMIT_FILE_SIZE' || error.code === 'LIMIT_FIELD_VALUE'
        ? "The metadata is larger than 1 MiB: an IdP's metadata is a few KiB; check that this is the right file."
        : `The form could not be read (${error.message}).`,
    );
    next();
  });
}

/** What the form gave: exactly one of the pasted document, the file, the URL; or why not. */
export function metadataSourceOf(req: Request): MetadataSource | { readonly refused: string } {
  const refused = uploadRefusals.get(req);
  if (refused) return { refused };
  const body = (req.body ?? {}) as Record<string, unknown>;
  const text = typeof body.xml === 'string' ? body.xml.trim() : '';
  const url = typeof body.url === 'string' ? body.url.trim() : '';
  const file = req.file && req.file.size > 0 ? req.file.buffer : undefined;
  const given = [text !== '', url !== '', file !== undefined].filter(Boolean).length;
  if (given === 0) return { refused: 'Paste the metadata, choose its file, or give its URL.' };
  if (given > 1) return { refused: 'Give the metadata one way only: pasted, as a file, or by its URL.' };
  if (url) return { xml: null, url };
  const xml = file ? new TextDecoder('utf-8').decode(file) : text;
  if (xml.includes('\u0000') || xml.includes('\uFFFD'))
    return { refused: 'The file is not XML text in UTF-8.' };
  return { xml, url: null };
}

export interface MetadataExpectation {
  readonly spEntityId: string;
  readonly idpEntityId?: string | undefined;
  readonly provider: DirectoryProvider;
  /** The connection's own NameID format, when it has one instead of the provider's. */
  readonly nameIdFormat?: string | undefined;
}

type ConnectionTools = AdminApiDeps['sso'];

const error = (code: string, message: string): StoredMetadataFinding => ({
  severity: 'error',
  code,
  message,
});

/** The document behind a metadata URL, as the connection itself would read it. */
async function fetched(url: string, tools: ConnectionTools): Promise<string | StoredMetadataFinding> {
  try {
    const document = await guardedFetch(url, {
      lookupHost: (host) => tools.dns.lookupHost(host),
      allowLoopback: tools.allowInsecureLoopback,
      timeoutMs: 10_000,
      maxBytes: maxMetadataBytes,
      accept: 'application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8',
    });
    return new TextDecoder('utf-8').decode(document.body);
  } catch (cause) {
    if (!(cause instanceof FetchRefused)) throw cause;
    return error(
      'unreadable',
      cause.reason === 'url_refused'
        ? `The metadata URL ${cause.message}.`
        : `The metadata URL could not be read: ${cause.message}. Check the URL, or download the metadata and upload the file.`,
    );
  }
}

/**
 * Checks IdP metadata before it becomes a connection: the lint's findings
 * (errors stop activation, warnings are shown), and, when the lint finds
 * no error, the import's own reading, so whatever the import would refuse
 * is an error here too.
 */
export async function checkMetadata(
  source: MetadataSource,
  expect: MetadataExpectation,
  tools: ConnectionTools,
): Promise<StoredMetadataFinding[]> {
  const xml = source.url === null ? source.xml : await fetched(source.url, tools);
  if (typeof xml !== 'string') return [xml];
  const findings: StoredMetadataFinding[] = lintIdpMetadata(xml, expect).map((f) => ({
    severity: f.severity,
    code: f.code,
    message: f.message,
  }));
  if (findings.some((f) => f.severity === 'error')) return findings;
  try {
    parseIdpMetadata(xml);
  } catch (cause) {
    if (!isSamlError(cause)) throw cause;
    return [error('unreadable', `The metadata cannot be used: ${cause.message}.`), ...findings];
  }
  return findings;
}

export const hasErrors = (findings: readonly StoredMetadataFinding[]) =>
  findings.some((f) => f.severity === 'error');
