import net from 'node:net';

/** A set of addresses and CIDR blocks (config lists such as proxy.trustedAddresses), checked with net.BlockList. */
export interface NetworkList {
  has(address: string | undefined): boolean;
}

export function networkList(entries: readonly string[]): NetworkList {
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return {
    has(address) {
      if (!address || entries.length === 0) return false;
      const plain = address.replace(/^::ffff:/, ''); // IPv4 clients on a dual-stack socket
      return list.check(plain, net.isIPv6(plain) ? 'ipv6' : 'ipv4');
    },
  };
}
