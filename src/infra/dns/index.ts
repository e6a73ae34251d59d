import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * DNS as Muster uses it: TXT records that prove a domain's owner, and the
 * addresses of hosts it fetches from. The servers are a setting
 * (DNS_SERVERS) so that tests can answer from a responder of their own;
 * unset, the system's resolver answers.
 */
export interface DnsResolver {
  /** The TXT records at a name, each joined from its strings; empty when the name or the record is absent. */
  resolveTxt(name: string): Promise<string[]>;
  /** Every address a host name resolves to (an IP literal is its own answer). */
  lookupHost(host: string): Promise<string[]>;
}

/** A lookup that failed for another reason than the record being absent, such as a timeout. */
export class DnsLookupError extends Error {
  override readonly name = 'DnsLookupError';
  readonly code: string;
  constructor(code: string, what: string) {
    super(`DNS lookup of ${what} failed (${code})`);
    this.code = code;
  }
}

export interface DnsResolverOptions {
  /** `ip` or `ip:port` (`[ipv6]:port`); unset or empty: the system's servers. */
  readonly servers?: readonly string[] | undefined;
  /** Per attempt; c-ares tries each server this long, twice. */
  readonly timeoutMs?: number;
}

const absent = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/** Names the loopback interface by definition (RFC 6761), whatever a DNS server would say. */
function isLocalhost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

export function createDnsResolver(options: DnsResolverOptions = {}): DnsResolver {
  const custom = options.servers !== undefined && options.servers.length > 0;
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2_000, tries: 2 });
  if (custom) resolver.setServers([...(options.servers ?? [])]);

  const records = async <T>(what: string, read: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await read();
    } catch (error) {
      if (absent.has(codeOf(error))) return [];
      throw new DnsLookupError(codeOf(error), what);
    }
  };

  return {
    async resolveTxt(name) {
      const found = await records(`TXT ${name}`, () => resolver.resolveTxt(name));
      return found.map((chunks) => chunks.join(''));
    },
    async lookupHost(host) {
      const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
      if (isIP(bare)) return [bare];
      if (isLocalhost(bare)) return ['127.0.0.1', '::1'];
      if (!custom) {
        const found = await records(bare, () => lookup(bare, { all: true, verbatim: true }));
        return found.map((a) => a.address);
      }
      const [v4, v6] = await Promise.all([
        records(`A ${bare}`, () => resolver.resolve4(bare)),
        records(`AAAA ${bare}`, () => resolver.resolve6(bare)),
      ]);
      return [...v4, ...v6];
    },
  };
}

/**
 * Reads DNS_SERVERS entries: `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53`
 * or `[2001:db8::53]:5353`. Returns undefined for an entry that is none of these.
 */
export function parseDnsServer(entry: string): string | undefined {
  const text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const v4 = /^([\d.]+)(?::(\d{1,5}))?$/.exec(text);
  const [address, port] = bracketed
    ? [bracketed[1] ?? '', bracketed[2]]
    : v4
      ? [v4[1] ?? '', v4[2]]
      : [text, undefined];
  const family = isIP(address);
  if (family === 0) return undefined;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  if (port === undefined) return address;
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
