import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { AppError } from '../../kernel/errors';
import { hostOf, isForbiddenAddress } from '../../modules/webhooks';

function lookupAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });
}

/**
 * Refuses a URL whose host is, or resolves to, an address that is not on the public internet. Every
 * address the name resolves to must be public: one private answer is enough to refuse.
 */
export async function assertPublicHost(url: URL): Promise<void> {
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookupAll(host)).map((a) => a.address);
    } catch {
      throw new AppError('webhook_url_refused', `The host ${host} does not resolve.`);
    }
  }
  const refused = addresses.find(isForbiddenAddress);
  if (refused !== undefined || addresses.length === 0) {
    throw new AppError(
      'webhook_url_refused',
      `The host ${host} resolves to ${refused ?? 'no address'}, which is not a public internet address.`,
    );
  }
}

/** Raised at delivery time when the host now resolves to a refused address (DNS rebinding). */
export class AddressRefusedError extends Error {
  constructor(readonly address: string) {
    super(`address ${address} is not a public internet address`);
    this.name = 'AddressRefusedError';
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for node:net that refuses private answers. It runs at connect time, so the address checked
 * is the address connected to: a name that re-resolves to an internal address between the check at
 * creation and the delivery cannot slip through.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  const all: LookupOptions & { all: true } = Object.assign({}, options, { all: true as const });
  dnsLookup(hostname, all, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => isForbiddenAddress(a.address));
    if (refused || addresses.length === 0) {
      return callback(new AddressRefusedError(refused?.address ?? 'none'), []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    return callback(null, first.address, first.family);
  });
}
