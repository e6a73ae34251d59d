import { BlockList, isIP } from 'node:net';

/**
 * Addresses Muster never fetches from on an admin's say-so: private,
 * link-local, shared, multicast and reserved ranges, where a URL would reach
 * into the network Muster runs in (cloud metadata at 169.254.169.254, the
 * database, other services). Loopback is refused unless allowed, for
 * development and tests; private networks unless an operator allows them
 * for webhooks to an application inside.
 */
const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['169.254.0.0', 16],
  ['192.0.0.0', 24],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  refused.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  refused.addSubnet(network, prefix, 'ipv6');

/** The ranges of private networks: an operator may let webhooks reach an application there. */
const privateNetworks = new BlockList();
for (const [network, prefix] of [
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  privateNetworks.addSubnet(network, prefix, 'ipv4');
privateNetworks.addSubnet('fc00::', 7, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The IPv4 address inside an IPv6 one that only wraps it (mapped, compatible, NAT64), else the address. */
function unwrap(address: string): string {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted?.[1]) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex?.[1] && hex[2]) {
    const high = Number.parseInt(hex[1], 16);
    const low = Number.parseInt(hex[2], 16);
    return [high >> 8, high & 255, low >> 8, low & 255].join('.');
  }
  return address;
}

/** Which of the addresses refused by default are allowed. */
export interface AddressAllowance {
  /** Loopback (127.0.0.0/8, ::1): development and tests. */
  readonly loopback: boolean;
  /** Loopback and private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7); link-local never. */
  readonly privateNetworks?: boolean | undefined;
}

/** Why an address may not be fetched from, or undefined when it may. */
export function refusedAddress(address: string, allow: AddressAllowance): string | undefined {
  const plain = unwrap(address);
  const family = isIP(plain);
  if (family === 0) return 'is not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (loopback.check(plain, type))
    return allow.loopback || allow.privateNetworks ? undefined : 'is a loopback address';
  if (privateNetworks.check(plain, type))
    return allow.privateNetworks ? undefined : 'is a private, link-local or reserved address';
  if (refused.check(plain, type)) return 'is a private, link-local or reserved address';
  return undefined;
}

/** Whether an address is loopback or in a private network: where plain http may go, when allowed. */
export function isPrivateAddress(address: string): boolean {
  const plain = unwrap(address);
  const family = isIP(plain);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return loopback.check(plain, type) || privateNetworks.check(plain, type);
}

/** Hosts that are loopback by name or address: the only ones plain http may reach, and only when allowed. */
export function isLoopbackHost(hostname: string): boolean {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && loopback.check(unwrap(bare), isIP(unwrap(bare)) === 4 ? 'ipv4' : 'ipv6');
}
