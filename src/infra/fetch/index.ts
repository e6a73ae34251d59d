import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isLoopbackHost, isPrivateAddress, refusedAddress } from './address-policy.ts';

export { type AddressAllowance, isLoopbackHost, isPrivateAddress, refusedAddress } from './address-policy.ts';

/**
 * Fetches a document from a URL an admin typed in (IdP metadata), with the
 * guards such a URL needs: https only (plain http to loopback only when
 * allowed), every address the host resolves to checked before connecting
 * and the connection pinned to the checked address (so a second DNS answer
 * cannot swap it), redirects only within the same host, a time limit over
 * the whole exchange and a size cap on the body.
 */
export interface GuardedFetchOptions {
  /** Resolves a host name to its addresses (the configured DNS servers). */
  readonly lookupHost: (host: string) => Promise<string[]>;
  /** Loopback hosts, over http or https: for development and tests only. */
  readonly allowLoopback: boolean;
  /**
   * Loopback and private networks, over https or, to such addresses only,
   * plain http: an operator's choice for webhooks to an application inside.
   */
  readonly allowPrivateNetworks?: boolean | undefined;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  readonly maxRedirects?: number;
  readonly accept?: string;
}

export interface FetchedDocument {
  /** Where the document was found, after redirects. */
  readonly url: string;
  readonly contentType: string | null;
  readonly body: Buffer;
}

export type FetchRefusal =
  | 'url_refused'
  | 'address_refused'
  | 'redirect_refused'
  | 'http_status'
  | 'too_large'
  | 'timeout'
  | 'unreachable';

/** Why a fetch did not happen or did not end with a document; the message is fit to show an admin. */
export class FetchRefused extends Error {
  override readonly name = 'FetchRefused';
  readonly reason: FetchRefusal;
  constructor(reason: FetchRefusal, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

const defaults = { timeoutMs: 10_000, maxBytes: 1024 * 1024, maxRedirects: 3 };

/**
 * The URL, if its form is one Muster fetches from; otherwise
 * FetchRefused('url_refused'). With private networks allowed, plain http
 * passes here and the address decides (it must be private).
 */
export function checkFetchUrl(value: string, allowLoopback: boolean, allowPrivateNetworks = false): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FetchRefused('url_refused', 'is not a URL');
  }
  if (url.username || url.password) throw new FetchRefused('url_refused', 'must not carry credentials');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && allowLoopback && isLoopbackHost(url.hostname)) return url;
  if (url.protocol === 'http:' && allowPrivateNetworks) return url;
  throw new FetchRefused(
    'url_refused',
    allowLoopback ? 'must be https (or http to localhost)' : 'must be an https URL',
  );
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The one address to connect to: every address of the host must pass, so none is picked by luck. */
async function vettedAddress(url: URL, options: GuardedFetchOptions): Promise<string> {
  const host = bareHost(url);
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await options.lookupHost(host);
  } catch (cause) {
    throw new FetchRefused('unreachable', `the host ${host} could not be resolved`, { cause });
  }
  if (addresses.length === 0) throw new FetchRefused('unreachable', `the host ${host} does not resolve`);
  const allow = { loopback: options.allowLoopback, privateNetworks: options.allowPrivateNetworks };
  for (const address of addresses) {
    const why =
      refusedAddress(address, allow) ??
      (url.protocol === 'http:' && !isPrivateAddress(address)
        ? 'is public: plain http goes to private addresses only'
        : undefined);
    if (why)
      throw new FetchRefused('address_refused', `the host ${host} resolves to ${address}, which ${why}`);
  }
  return addresses[0] as string;
}

/** Connects to the vetted address whatever the resolver would say now: a second DNS answer cannot swap it. */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return (_host, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

interface Outgoing {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer | undefined;
}

function send(url: URL, address: string, outgoing: Outgoing, signal: AbortSignal) {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, {
      method: outgoing.method,
      signal,
      lookup: pinnedLookup(address),
      headers: { 'user-agent': 'Muster', ...outgoing.headers },
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(outgoing.body);
  });
}

async function readBody(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) {
    res.destroy();
    throw new FetchRefused('too_large', `the document is larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      res.destroy();
      throw new FetchRefused('too_large', `the document is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function follow(
  start: URL,
  options: GuardedFetchOptions,
  signal: AbortSignal,
): Promise<FetchedDocument> {
  const maxRedirects = options.maxRedirects ?? defaults.maxRedirects;
  let url = start;
  for (let hop = 0; ; hop++) {
    const res = await send(
      url,
      await vettedAddress(url, options),
      { method: 'GET', headers: { accept: options.accept ?? '*/*' } },
      signal,
    );
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      const next = new URL(res.headers.location, url);
      if (next.hostname !== url.hostname)
        throw new FetchRefused('redirect_refused', `redirects to another host (${next.hostname})`);
      if (hop >= maxRedirects) throw new FetchRefused('redirect_refused', 'redirects too many times');
      url = checkFetchUrl(next.href, options.allowLoopback, options.allowPrivateNetworks);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new FetchRefused('http_status', `the server answered ${status}`);
    }
    const body = await readBody(res, options.maxBytes ?? defaults.maxBytes);
    return { url: url.href, contentType: res.headers['content-type'] ?? null, body };
  }
}

/** Runs `work` under the time limit; whatever fails becomes a FetchRefused fit to show an admin. */
async function limited<T>(
  timeoutMs: number,
  outer: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const abort = () => controller.abort();
  outer?.addEventListener('abort', abort, { once: true });
  try {
    return await work(controller.signal);
  } catch (error) {
    if (error instanceof FetchRefused) throw error;
    if (controller.signal.aborted)
      throw new FetchRefused('timeout', `no complete answer within ${timeoutMs / 1000} s`, { cause: error });
    const code = (error as { code?: unknown }).code;
    throw new FetchRefused(
      'unreachable',
      `the server could not be reached${code ? ` (${String(code)})` : ''}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', abort);
  }
}

export async function guardedFetch(value: string, options: GuardedFetchOptions): Promise<FetchedDocument> {
  const url = checkFetchUrl(value, options.allowLoopback, options.allowPrivateNetworks);
  return limited(options.timeoutMs ?? defaults.timeoutMs, undefined, (signal) =>
    follow(url, options, signal),
  );
}

/** One request and its answer, whatever the status: redirects are the caller's to judge. */
export interface GuardedExchange {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * One HTTP request to a URL an admin's settings lead to (an OpenID
 * Provider's endpoints), under the same guards as guardedFetch: checked
 * URL, vetted and pinned address, time limit, size cap. Redirects are not
 * followed.
 */
export async function guardedExchange(
  value: string,
  request: Outgoing & { readonly signal?: AbortSignal | undefined },
  options: GuardedFetchOptions,
): Promise<GuardedExchange> {
  const url = checkFetchUrl(value, options.allowLoopback, options.allowPrivateNetworks);
  return limited(options.timeoutMs ?? defaults.timeoutMs, request.signal, async (signal) => {
    const res = await send(url, await vettedAddress(url, options), request, signal);
    const body = await readBody(res, options.maxBytes ?? defaults.maxBytes);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers))
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    return { status: res.statusCode ?? 0, headers, body };
  });
}
