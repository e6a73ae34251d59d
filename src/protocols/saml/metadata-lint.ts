import { X509Certificate } from 'node:crypto';
import { isSamlError } from './errors.ts';
import { bindings, nameIdFormats, ns } from './names.ts';
import { samlPresets } from './presets.ts';
import type { SamlProvider } from './types.ts';
import { attr, capXml, children, descendants, parseXml, text } from './xml.ts';

/** What a lint of IdP metadata found; `error`s stop activation, `warning`s are shown. */
export interface MetadataFinding {
  readonly severity: 'error' | 'warning';
  readonly code:
    | 'unreadable'
    | 'not_idp_metadata'
    | 'certificate_expired'
    | 'certificate_expiring'
    | 'no_signing_certificate'
    | 'wrong_binding'
    | 'entity_id_mismatch'
    | 'nameid_format';
  readonly message: string;
}

export interface MetadataExpectations {
  /** Muster's SP entity id for the connection: metadata naming it is the SP's own, not the IdP's. */
  readonly spEntityId: string;
  /** The IdP entity id the connection has now, when it has one: new metadata naming another is flagged. */
  readonly idpEntityId?: string | undefined;
  readonly provider: SamlProvider;
  /** The connection's own NameID format, when it replaces the provider preset's. */
  readonly nameIdFormat?: string | undefined;
  /** Certificates ending within 30 days of this are flagged; defaults to now. */
  readonly now?: Date | undefined;
}

/** The same cap the import applies: one IdP's metadata is a few KiB. */
const maxMetadataBytes = 1024 * 1024;
const expiringWithinDays = 30;
const dayMs = 86_400_000;

const error = (code: MetadataFinding['code'], message: string): MetadataFinding => ({
  severity: 'error',
  code,
  message,
});
const warning = (code: MetadataFinding['code'], message: string): MetadataFinding => ({
  severity: 'warning',
  code,
  message,
});

const downloadAgain = "download the metadata XML again from the IdP's SAML application and upload it";

/**
 * Reads IdP metadata as an admin uploads it and says, in words the IdP's
 * admin can act on, what would stop sign-ins (errors) or surprise later
 * (warnings). It never throws: a document it cannot read is a finding too.
 */
export function lintIdpMetadata(xml: string, expect: MetadataExpectations): MetadataFinding[] {
  let root: Element;
  try {
    capXml(xml, maxMetadataBytes);
    root = parseXml(xml).documentElement as Element;
  } catch (cause) {
    const why = isSamlError(cause) ? cause.message : 'it does not parse';
    return [error('unreadable', `This file is not readable XML (${why}): ${downloadAgain}.`)];
  }
  if (
    root.namespaceURI !== ns.metadata ||
    !['EntityDescriptor', 'EntitiesDescriptor'].includes(root.localName)
  ) {
    return [
      error(
        'unreadable',
        `This XML is not SAML 2.0 metadata (its root is <${root.localName}>): ${downloadAgain}.`,
      ),
    ];
  }
  const entities = descendants(root).filter(
    (el) => el.namespaceURI === ns.metadata && el.localName === 'EntityDescriptor',
  );
  const idps = entities.filter((el) => children(el, ns.metadata, 'IDPSSODescriptor').length > 0);
  if (idps.length !== 1) return [notIdp(entities, idps.length, expect)];
  const entity = idps[0] as Element;
  const entityId = attr(entity, 'entityID');
  if (!entityId)
    return [error('unreadable', `The metadata's EntityDescriptor has no entityID: ${downloadAgain}.`)];
  const descriptors = children(entity, ns.metadata, 'IDPSSODescriptor');
  const idp = descriptors.find((d) =>
    (attr(d, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(ns.protocol),
  );
  if (!idp)
    return [
      error(
        'not_idp_metadata',
        'The identity provider in this metadata does not declare SAML 2.0 support: choose SAML 2.0 for the application in the IdP, then download its metadata again.',
      ),
    ];
  return [
    ...entityFindings(entityId, expect),
    ...bindingFindings(idp),
    ...certificateFindings(idp, expect.now ?? new Date()),
    ...nameIdFindings(idp, expect),
  ];
}

function notIdp(entities: readonly Element[], idps: number, expect: MetadataExpectations): MetadataFinding {
  if (idps > 1)
    return error(
      'not_idp_metadata',
      `This metadata describes ${idps} identity providers: upload the metadata of the one SAML application for this connection, not a federation's list.`,
    );
  const own = entities.some((el) => attr(el, 'entityID') === expect.spEntityId);
  const sp = entities.some((el) => children(el, ns.metadata, 'SPSSODescriptor').length > 0);
  return error(
    'not_idp_metadata',
    own
      ? "This is Muster's own service provider metadata, which goes into the IdP: here, upload the metadata the IdP publishes for its SAML application."
      : sp
        ? 'This metadata describes a service provider, not an identity provider: upload the metadata the IdP publishes for its SAML application.'
        : `This metadata describes no identity provider (no IDPSSODescriptor): ${downloadAgain}.`,
  );
}

function entityFindings(entityId: string, expect: MetadataExpectations): MetadataFinding[] {
  if (entityId === expect.spEntityId)
    return [
      error(
        'entity_id_mismatch',
        `The IdP's entityID is Muster's own entity id (${entityId}): the IdP's issuer has been set to Muster's identifier. Leave the IdP's issuer (entity ID) as the IdP's own, enter Muster's entity id only as the audience, and download the metadata again.`,
      ),
    ];
  if (expect.idpEntityId !== undefined && entityId !== expect.idpEntityId)
    return [
      warning(
        'entity_id_mismatch',
        `This metadata is from a different IdP (entityID ${entityId}) than the one this connection trusts now (${expect.idpEntityId}): once it is saved, sign-ins from ${expect.idpEntityId} will stop. Upload it only if you are moving the connection to the new IdP.`,
      ),
    ];
  return [];
}

function bindingFindings(idp: Element): MetadataFinding[] {
  const services = children(idp, ns.metadata, 'SingleSignOnService');
  const usable = [bindings.redirect, bindings.post] as readonly string[];
  if (services.some((s) => usable.includes(attr(s, 'Binding') ?? '') && attr(s, 'Location'))) return [];
  const offered = [...new Set(services.map((s) => (attr(s, 'Binding') ?? '(none)').replace(/^.*:/, '')))];
  return [
    error(
      'wrong_binding',
      offered.length === 0
        ? 'The IdP publishes no SingleSignOnService: enable SP-initiated sign-in with the HTTP-Redirect or HTTP-POST binding in its SAML application, then download the metadata again.'
        : `The IdP offers sign-in only by ${offered.join(', ')}; Muster sends people to the IdP by HTTP-Redirect (or HTTP-POST). Enable the HTTP-Redirect or HTTP-POST binding for single sign-on in the IdP's SAML application, then download the metadata again.`,
    ),
  ];
}

interface Certificate {
  readonly subject: string;
  readonly fingerprint: string;
  readonly notAfter: Date;
}

/** Certificates of KeyDescriptors for signing, or for any use when `use` is absent (as the import reads them). */
function signingCertificates(idp: Element): { certificates: Certificate[]; unreadable: number } {
  const certificates: Certificate[] = [];
  let unreadable = 0;
  for (const key of children(idp, ns.metadata, 'KeyDescriptor')) {
    const use = attr(key, 'use');
    if (use !== null && use !== 'signing') continue;
    for (const el of descendants(key)) {
      if (el.namespaceURI !== ns.dsig || el.localName !== 'X509Certificate') continue;
      try {
        const cert = new X509Certificate(Buffer.from(text(el).replace(/\s+/g, ''), 'base64'));
        if (certificates.some((c) => c.fingerprint === cert.fingerprint256)) continue;
        certificates.push({
          subject: cert.subject.replace(/\n/g, ', '),
          fingerprint: cert.fingerprint256,
          notAfter: new Date(cert.validTo),
        });
      } catch {
        unreadable += 1;
      }
    }
  }
  return { certificates, unreadable };
}

const day = (date: Date) => date.toISOString().slice(0, 10);
const named = (c: Certificate) => `The signing certificate "${c.subject}" (SHA-256 ${c.fingerprint})`;

function certificateFindings(idp: Element, now: Date): MetadataFinding[] {
  const { certificates, unreadable } = signingCertificates(idp);
  const findings: MetadataFinding[] = [];
  if (unreadable > 0)
    findings.push(
      error(
        'unreadable',
        `${unreadable === 1 ? 'A signing certificate' : `${unreadable} signing certificates`} in the metadata ${unreadable === 1 ? 'is' : 'are'} not a valid X.509 certificate: ${downloadAgain}.`,
      ),
    );
  if (certificates.length === 0) {
    if (unreadable === 0)
      findings.push(
        error(
          'no_signing_certificate',
          'The metadata holds no signing certificate (no KeyDescriptor with use="signing" or without a use), so Muster could not check any sign-in: make sure the IdP signs its SAML assertions and that its signing certificate is in the metadata, then download it again.',
        ),
      );
    return findings;
  }
  const live = certificates.filter((c) => c.notAfter > now);
  for (const c of certificates) {
    if (c.notAfter <= now) {
      findings.push({
        severity: live.length === 0 ? 'error' : 'warning',
        code: 'certificate_expired',
        message:
          live.length === 0
            ? `${named(c)} expired on ${day(c.notAfter)}, and sign-ins it signs will be refused: create a new signing certificate in the IdP, make it the active one, and download the metadata again.`
            : `${named(c)} expired on ${day(c.notAfter)}; another certificate in the metadata is still valid. Make sure the IdP signs with the valid one, and remove the expired one from the IdP.`,
      });
      continue;
    }
    const daysLeft = Math.ceil((c.notAfter.getTime() - now.getTime()) / dayMs);
    if (daysLeft <= expiringWithinDays)
      findings.push(
        warning(
          'certificate_expiring',
          `${named(c)} expires on ${day(c.notAfter)}, in ${daysLeft} day${daysLeft === 1 ? '' : 's'}: create its successor in the IdP now and upload metadata that holds both, so sign-ins go on when it ends.`,
        ),
      );
  }
  return findings;
}

function nameIdFindings(idp: Element, expect: MetadataExpectations): MetadataFinding[] {
  const asked = expect.nameIdFormat ?? samlPresets[expect.provider].nameIdFormat;
  // Asking for "unspecified" lets the IdP choose: any format it lists will do.
  if (asked === nameIdFormats.unspecified) return [];
  const listed = children(idp, ns.metadata, 'NameIDFormat').map(text).filter(Boolean);
  if (listed.length === 0 || listed.includes(asked)) return [];
  return [
    warning(
      'nameid_format',
      `The IdP lists the NameID formats ${listed.join(', ')}, but not ${asked}, which Muster asks for with the ${expect.provider} settings: add that NameID format (for the email address, the user's email) in the IdP's SAML application, or the IdP may refuse sign-ins with "InvalidNameIDPolicy".`,
    ),
  ];
}
