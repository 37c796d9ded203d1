import { Buffer } from 'node:buffer';
import { type ConcatInfo, concatFromUdh, decodeGsm7, decodeUcs2 } from '../../modules/codec';
import { EsmClass, type ShortMessagePdu, Tlv, tlvU8, tlvU16 } from './wire';

/** The user data of a deliver_sm: concatenation info (from the UDH or SAR TLVs) and the text octets. */
export interface MoPayload {
  concat: ConcatInfo | null;
  /** Message octets without the UDH. */
  body: Buffer;
}

/**
 * Splits a mobile-originated deliver_sm into its text octets and concatenation info. The text is
 * message_payload when present, else short_message; a UDH (esm_class 0x40) is stripped, reading 8-bit (IEI 0x00)
 * and 16-bit (IEI 0x08) concatenation references; SAR TLVs are used when there is no UDH reference.
 */
export function moPayload(pdu: ShortMessagePdu): MoPayload {
  const payload = pdu.tlvs.get(Tlv.message_payload);
  let data = payload && payload.length > 0 ? payload : pdu.shortMessage;
  let concat: ConcatInfo | null = null;
  if ((pdu.esmClass & EsmClass.UDH_INDICATOR) !== 0 && data.length > 0) {
    const udhLength = data[0]!;
    const udh = data.subarray(1, Math.min(data.length, 1 + udhLength));
    concat = concatFromUdh(udh);
    data = data.subarray(1 + udhLength);
  }
  if (concat === null) {
    const ref = tlvU16(pdu.tlvs, Tlv.sar_msg_ref_num);
    const total = tlvU8(pdu.tlvs, Tlv.sar_total_segments);
    const seq = tlvU8(pdu.tlvs, Tlv.sar_segment_seqnum);
    if (ref !== null && total !== null && seq !== null) concat = { ref, total, seq };
  }
  if (concat !== null && (concat.total < 2 || concat.seq < 1 || concat.seq > concat.total)) concat = null;
  return { concat, body: data };
}

type Alphabet = 'gsm7' | 'ucs2' | 'latin1' | 'iso-8859-5' | 'iso-8859-8';

/** The character set a data_coding value announces (SMPP 3.4 §5.2.19, and GSM 03.38 coding groups above 0x0F). */
export function alphabetOf(dataCoding: number): Alphabet {
  if (dataCoding <= 0x0f) {
    switch (dataCoding) {
      case 0x00:
        return 'gsm7';
      case 0x06:
        return 'iso-8859-5';
      case 0x07:
        return 'iso-8859-8';
      case 0x08:
        return 'ucs2';
      default:
        return 'latin1';
    }
  }
  // GSM 03.38 coding groups: general (00xx) and auto-deletion (01xx) give the alphabet in bits 3..2.
  if (dataCoding <= 0x7f) {
    const bits = (dataCoding >> 2) & 0x03;
    return bits === 0 ? 'gsm7' : bits === 2 ? 'ucs2' : 'latin1';
  }
  if (dataCoding >= 0xc0 && dataCoding <= 0xdf) return 'gsm7';
  if (dataCoding >= 0xe0 && dataCoding <= 0xef) return 'ucs2';
  if (dataCoding >= 0xf0) return (dataCoding & 0x04) === 0 ? 'gsm7' : 'latin1';
  return 'latin1';
}

/**
 * Decodes message octets by data_coding, best effort: GSM-7 one septet per byte (falling back to Latin-1 when a
 * byte is above 0x7F, as some SMSCs send ASCII under data_coding 0), UCS-2 as UTF-16BE (a trailing odd byte is
 * dropped), Latin-1, Cyrillic and Hebrew ISO 8859 sets; anything else as Latin-1.
 */
export function decodeMoText(body: Uint8Array, dataCoding: number): string {
  const alphabet = alphabetOf(dataCoding);
  switch (alphabet) {
    case 'gsm7':
      try {
        return decodeGsm7(body);
      } catch {
        return Buffer.from(body).toString('latin1');
      }
    case 'ucs2':
      return decodeUcs2(body.subarray(0, body.length - (body.length % 2)));
    case 'iso-8859-5':
    case 'iso-8859-8':
      try {
        return new TextDecoder(alphabet).decode(body);
      } catch {
        return Buffer.from(body).toString('latin1');
      }
    default:
      return Buffer.from(body).toString('latin1');
  }
}

interface PendingMessage {
  total: number;
  dataCoding: number;
  parts: Map<number, Buffer>;
  firstAt: number;
}

/** A message whose parts are all in (or whose time ran out), ready to hand over. */
export interface AssembledMo {
  key: string;
  text: string;
  parts: number;
  complete: boolean;
}

/**
 * Collects the parts of concatenated mobile-originated messages, keyed by sender, recipient, reference and part
 * count. Octets are joined before decoding, so a character split across parts (a UCS-2 surrogate pair, a GSM-7
 * escape) comes out whole.
 */
export class MoReassembler {
  private readonly pending = new Map<string, PendingMessage>();

  get size(): number {
    return this.pending.size;
  }

  /**
   * Stores one part; returns the assembled message once every part is in. The entry stays until
   * {@link release} so that a message whose hand-over failed can be completed again by a redelivered part.
   */
  add(
    source: string,
    destination: string,
    concat: ConcatInfo,
    body: Buffer,
    dataCoding: number,
    now: number,
  ): AssembledMo | null {
    const key = `${source}\u0000${destination}\u0000${concat.ref}\u0000${concat.total}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { total: concat.total, dataCoding, parts: new Map(), firstAt: now };
      this.pending.set(key, entry);
    }
    entry.parts.set(concat.seq, Buffer.from(body));
    if (entry.parts.size < entry.total) return null;
    return this.assemble(key, entry, true);
  }

  release(key: string): void {
    this.pending.delete(key);
  }

  /** Messages still incomplete after `maxAgeMs`: removed and returned with the parts that did arrive. */
  expire(now: number, maxAgeMs: number): AssembledMo[] {
    const expired: AssembledMo[] = [];
    for (const [key, entry] of this.pending) {
      if (now - entry.firstAt >= maxAgeMs) {
        expired.push(this.assemble(key, entry, false));
        this.pending.delete(key);
      }
    }
    return expired;
  }

  private assemble(key: string, entry: PendingMessage, complete: boolean): AssembledMo {
    const seqs = [...entry.parts.keys()].sort((a, b) => a - b);
    const body = Buffer.concat(seqs.map((seq) => entry.parts.get(seq)!));
    return { key, text: decodeMoText(body, entry.dataCoding), parts: entry.parts.size, complete };
  }
}
