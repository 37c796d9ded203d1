import { Buffer } from 'node:buffer';
import { packGsm7 } from './encoding';

/** Where one part of a concatenated message belongs. */
export interface ConcatInfo {
  ref: number;
  total: number;
  seq: number;
}

/** Length of the 8-bit reference concatenation UDH: UDHL 05, IEI 00, IEDL 03, ref, total, seq. */
export const CONCAT_UDH_LENGTH = 6;

/** The 8-bit reference concatenation UDH (with its length octet) of part `seq` (1-based) of `total`. */
export function concatUdh(reference: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, seq]);
}

/**
 * The concatenation reference in a UDH's information elements (without the UDHL octet): 8-bit (IEI 0x00)
 * or 16-bit (IEI 0x08); null when there is none or the header is cut short.
 */
export function concatFromUdh(udh: Buffer): ConcatInfo | null {
  let offset = 0;
  while (offset + 2 <= udh.length) {
    const iei = udh[offset]!;
    const length = udh[offset + 1]!;
    const data = udh.subarray(offset + 2, offset + 2 + length);
    if (data.length < length) return null;
    if (iei === 0x00 && length === 3) return { ref: data[0]!, total: data[1]!, seq: data[2]! };
    if (iei === 0x08 && length === 4) return { ref: data.readUInt16BE(0), total: data[2]!, seq: data[3]! };
    offset += 2 + length;
  }
  return null;
}

/** After a UDH of `udhLength` octets the first septet starts on a septet boundary: the fill bits before it. */
export function gsm7FillBits(udhLength: number): number {
  return (7 - ((udhLength * 8) % 7)) % 7;
}

const CR_SEPTET = 0x0d;

/**
 * Packs GSM-7 septets. When the last octet would have 7 spare bits, they are filled with CR (GSM 03.38
 * §6.1.2.3.1) so that a receiver counting octets does not read a trailing '@'.
 */
export function packSeptets(septets: Buffer, paddingBits: number): Buffer {
  const packed = packGsm7(septets, paddingBits);
  const spare = packed.length * 8 - (paddingBits + septets.length * 7);
  if (spare === 7) packed[packed.length - 1] = packed[packed.length - 1]! | (CR_SEPTET << 1);
  return packed;
}
