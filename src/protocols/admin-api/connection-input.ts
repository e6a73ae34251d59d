import type { z } from 'zod';
import type { SamlIdpChange } from '../../domain/sources/index.ts';
import { MusterError } from '../../errors.ts';
import { checkFetchUrl, FetchRefused } from '../../infra/fetch/index.ts';
import { isSamlError, parseIdpMetadata, readIdpMetadataUrl } from '../saml/index.ts';
import type { samlInput } from './connection-schemas.ts';
import type { ConnectionTools } from './operation.ts';

type SamlBody = z.output<typeof samlInput>;

function invalid(path: string, message: string): MusterError {
  return new MusterError('validation_failed', 'The request body is not valid', {
    details: [{ path, message }],
  });
}

/**
 * A URL Muster sends browsers or requests to: https, or http to loopback
 * where allowed. Kept as given: an OIDC issuer must match the `iss` claim
 * character for character, trailing slash included.
 */
export function checkedUrl(value: string, path: string, tools: ConnectionTools): string {
  try {
    checkFetchUrl(value, tools.allowInsecureLoopback);
    return value;
  } catch (error) {
    if (error instanceof FetchRefused) throw invalid(path, error.message);
    throw error;
  }
}

/** A refused metadata document keeps its status (400, or 413 when too large) and says where it came from. */
function metadataProblem(error: unknown, path: string): unknown {
  if (!isSamlError(error)) return error;
  return new MusterError(error.code, `The metadata is not usable: ${error.message}`, {
    details: [{ path, message: error.message }],
    cause: error,
  });
}

async function fromUrl(value: string, tools: ConnectionTools): Promise<SamlIdpChange> {
  const path = 'saml.metadataUrl';
  const url = checkedUrl(value, path, tools);
  try {
    const metadata = await readIdpMetadataUrl(url, {
      dns: tools.dns,
      allowInsecureLoopback: tools.allowInsecureLoopback,
    });
    return { source: 'metadata', url, idp: { ...metadata } };
  } catch (error) {
    if (error instanceof FetchRefused) {
      // The URL or its address is the admin's to fix (400); what the server did is reported as 422.
      if (error.reason === 'url_refused' || error.reason === 'address_refused')
        throw invalid(path, error.message);
      throw new MusterError('unprocessable', `The metadata URL could not be read: ${error.message}`, {
        details: [{ path, message: error.message }],
        cause: error,
      });
    }
    throw metadataProblem(error, path);
  }
}

const forms = 'give exactly one of metadataXml, metadataUrl, or entityId with ssoUrl and certificates';

/**
 * The IdP a request's `saml` names: read from the metadata XML, fetched from
 * the metadata URL, or the fields given by hand (all of them on creation,
 * any of them on a change).
 */
export async function samlIdpChange(
  saml: SamlBody,
  tools: ConnectionTools,
  mode: 'create' | 'change',
): Promise<SamlIdpChange> {
  const { metadataXml, metadataUrl, ...manual } = saml;
  const manualGiven = Object.values(manual).some((v) => v !== undefined);
  const given = [metadataXml !== undefined, metadataUrl !== undefined, manualGiven].filter(Boolean).length;
  if (given !== 1) throw invalid('saml', forms);
  if (metadataXml !== undefined) {
    try {
      return { source: 'metadata', url: null, idp: { ...parseIdpMetadata(metadataXml) } };
    } catch (error) {
      throw metadataProblem(error, 'saml.metadataXml');
    }
  }
  if (metadataUrl !== undefined) return fromUrl(metadataUrl, tools);
  if (mode === 'create' && (!manual.entityId || !manual.ssoUrl || !manual.certificates))
    throw invalid('saml', forms);
  return {
    source: 'manual',
    idp: {
      ...(manual.entityId !== undefined ? { entityId: manual.entityId } : {}),
      ...(manual.ssoUrl !== undefined ? { ssoUrl: checkedUrl(manual.ssoUrl, 'saml.ssoUrl', tools) } : {}),
      ...(manual.sloUrl !== undefined
        ? { sloUrl: manual.sloUrl === null ? null : checkedUrl(manual.sloUrl, 'saml.sloUrl', tools) }
        : {}),
      ...(manual.certificates !== undefined ? { certificates: manual.certificates } : {}),
    },
  };
}
