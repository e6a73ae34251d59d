import type { DnsResolver } from '../../infra/dns/index.ts';
import { guardedFetch } from '../../infra/fetch/index.ts';
import { type IdpMetadata, parseIdpMetadata } from './idp-metadata.ts';
import { utf8 } from './xml.ts';

/** How IdP metadata URLs are read: through which resolver, and whether loopback hosts are allowed. */
export interface MetadataSource {
  readonly dns: Pick<DnsResolver, 'lookupHost'>;
  /** ALLOW_INSECURE_LOOPBACK_ISSUERS: http and https to 127.0.0.1/localhost, for development and tests. */
  readonly allowInsecureLoopback: boolean;
}

/** One IdP's metadata is a few KiB; the cap leaves room for dozens of certificates. */
export const maxMetadataBytes = 1024 * 1024;
export const metadataTimeoutMs = 10_000;

/**
 * Fetches and reads an IdP's metadata from its URL. Throws FetchRefused
 * (from infra/fetch) when the URL or its host may not be fetched from, or
 * no document came back; SamlError when the document is not IdP metadata.
 */
export async function readIdpMetadataUrl(url: string, source: MetadataSource): Promise<IdpMetadata> {
  const fetched = await guardedFetch(url, {
    lookupHost: (host) => source.dns.lookupHost(host),
    allowLoopback: source.allowInsecureLoopback,
    timeoutMs: metadataTimeoutMs,
    maxBytes: maxMetadataBytes,
    accept: 'application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8',
  });
  return parseIdpMetadata(utf8(fetched.body), { maxBytes: maxMetadataBytes });
}
