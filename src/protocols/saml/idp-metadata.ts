import { X509Certificate } from 'node:crypto';
import { certificatePem } from '../../infra/crypto/index.ts';
import { quote, SamlError } from './errors.ts';
import { bindings, ns } from './names.ts';
import { attr, capXml, children, descendants, parseXml, text } from './xml.ts';

/** What Muster takes from an IdP's metadata. */
export interface IdpMetadata {
  readonly entityId: string;
  /** The HTTP-Redirect SSO endpoint, else the HTTP-POST one. */
  readonly ssoUrl: string;
  readonly ssoBinding: 'redirect' | 'post';
  readonly sloUrl: string | null;
  /** Every signing certificate, as PEM: during a rollover there are two. */
  readonly certificates: readonly string[];
}

/** Metadata of one IdP is a few KiB; aggregates of thousands are not what a connection imports. */
const defaultMaxMetadataBytes = 1024 * 1024;

/**
 * Reads an IdP's metadata XML: its entity id, SSO and SLO endpoints, and
 * every signing certificate. DOCTYPE and ENTITY are refused before parsing;
 * a document describing no IdP, or several, is refused.
 */
export function parseIdpMetadata(xml: string, options: { readonly maxBytes?: number } = {}): IdpMetadata {
  capXml(xml, options.maxBytes ?? defaultMaxMetadataBytes);
  const root = parseXml(xml).documentElement as Element;
  const entities = descendants(root).filter(
    (el) =>
      el.namespaceURI === ns.metadata &&
      el.localName === 'EntityDescriptor' &&
      children(el, ns.metadata, 'IDPSSODescriptor').length > 0,
  );
  if (entities.length !== 1) {
    throw invalid(
      entities.length === 0 ? 'the metadata describes no SAML IdP' : 'the metadata describes several IdPs',
    );
  }
  const entity = entities[0] as Element;
  const entityId = attr(entity, 'entityID');
  if (!entityId) throw invalid('the EntityDescriptor has no entityID');
  const idp = children(entity, ns.metadata, 'IDPSSODescriptor').find((d) =>
    (attr(d, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(ns.protocol),
  );
  if (!idp) throw invalid('the IdP does not support SAML 2.0');
  const sso = endpoint(idp, 'SingleSignOnService');
  if (!sso) throw invalid('the IdP has no SingleSignOnService for HTTP-Redirect or HTTP-POST');
  const certificates = signingCertificates(idp);
  if (certificates.length === 0) throw invalid('the IdP has no signing certificate');
  return {
    entityId,
    ssoUrl: sso.url,
    ssoBinding: sso.binding,
    sloUrl: endpoint(idp, 'SingleLogoutService')?.url ?? null,
    certificates,
  };
}

function endpoint(idp: Element, name: string): { url: string; binding: 'redirect' | 'post' } | null {
  const services = children(idp, ns.metadata, name);
  for (const [binding, uri] of [
    ['redirect', bindings.redirect],
    ['post', bindings.post],
  ] as const) {
    const url = services.find((s) => attr(s, 'Binding') === uri && attr(s, 'Location'));
    if (url) return { url: attr(url, 'Location') as string, binding };
  }
  return null;
}

/** Certificates of KeyDescriptors for signing, or for any use when `use` is absent; each must parse. */
function signingCertificates(idp: Element): string[] {
  const pems = new Set<string>();
  for (const key of children(idp, ns.metadata, 'KeyDescriptor')) {
    const use = attr(key, 'use');
    if (use !== null && use !== 'signing') continue;
    for (const el of descendants(key).filter(
      (d) => d.namespaceURI === ns.dsig && d.localName === 'X509Certificate',
    )) {
      const body = text(el).replace(/\s+/g, '');
      try {
        new X509Certificate(Buffer.from(body, 'base64'));
      } catch (cause) {
        throw new SamlError('saml_metadata_invalid', `a signing certificate does not parse: ${quote(body)}`, {
          cause,
        });
      }
      pems.add(certificatePem(body));
    }
  }
  return [...pems];
}

function invalid(message: string): SamlError {
  return new SamlError('saml_metadata_invalid', message);
}
