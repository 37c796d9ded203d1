import { Buffer } from 'node:buffer';
import {
  CONCAT_UDH_LENGTH,
  concatUdh,
  encodeGsm7,
  encodeUcs2,
  gsm7FillBits,
  packSeptets,
  splitSegments,
} from '../../modules/codec';
import { type OutboundSms, RouteError } from '../../modules/route-port';
import { destinationAddress, formatAbsoluteTime, sourceAddress } from './addressing';
import type { ResolvedSmppRouteConfig } from './config';
import { EsmClass, type ShortMessagePdu, Tlv, tlvOctet, tlvShort } from './wire';

export const DataCoding = { GSM7: 0x00, UCS2: 0x08 } as const;

function encodeText(text: string, ucs2: boolean, packed: boolean, udhLength: number): Buffer {
  if (ucs2) return encodeUcs2(text);
  const septets = encodeGsm7(text);
  if (!packed) return septets;
  return packSeptets(septets, gsm7FillBits(udhLength));
}

export interface SubmitPlan {
  /** One entry per submit_sm, in order. */
  parts: ShortMessagePdu[];
  /** Parts the text splits into (equals `message.segments`; `parts.length` is 1 in payload mode). */
  segments: number;
}

/**
 * Builds the submit_sm PDUs of a message. Multipart texts are split with `splitSegments`, so the part count is
 * the segment count messaging charged; a mismatch (or a text that cannot be sent in its declared encoding) is a
 * permanent error rather than a message sent with a different number of parts.
 *
 * @param reference concatenation reference of this message (the low 8 bits for UDH, 16 bits for SAR).
 * @throws RouteError (not retryable) for an empty, unencodable, mis-counted or already expired message.
 */
export function buildSubmitPlan(
  message: OutboundSms,
  config: ResolvedSmppRouteConfig,
  reference: number,
  now: number,
): SubmitPlan {
  let texts: string[];
  try {
    texts = splitSegments(message.text, message.encoding);
  } catch (error) {
    throw new RouteError('invalid_message', `text cannot be sent as ${message.encoding}: ${String(error)}`);
  }
  if (texts.length === 0) throw new RouteError('invalid_message', 'the text is empty');
  if (texts.length > 255) throw new RouteError('invalid_message', 'more than 255 parts');
  if (texts.length !== message.segments) {
    throw new RouteError(
      'invalid_message',
      `the text splits into ${texts.length} parts but ${message.segments} segments were charged`,
    );
  }
  if (message.validUntil !== null && message.validUntil <= now) {
    throw new RouteError('expired', 'the validity period has already ended');
  }

  const ucs2 = message.encoding === 'UCS-2';
  const packed = !ucs2 && config.gsmPacking === 'packed';
  const source = sourceAddress(message.from, config.sourceTon, config.sourceNpi);
  const destination = destinationAddress(message.to, config.destTon, config.destNpi);
  const validity = message.validUntil === null ? '' : formatAbsoluteTime(message.validUntil);
  const part = (shortMessage: Buffer, esmClass: number, tlvs: [number, Buffer][] = []): ShortMessagePdu => ({
    serviceType: '',
    sourceTon: source.ton,
    sourceNpi: source.npi,
    sourceAddr: source.addr,
    destTon: destination.ton,
    destNpi: destination.npi,
    destinationAddr: destination.addr,
    esmClass,
    protocolId: 0,
    priorityFlag: 0,
    scheduleDeliveryTime: '',
    validityPeriod: validity,
    registeredDelivery: 1,
    replaceIfPresent: 0,
    dataCoding: ucs2 ? DataCoding.UCS2 : DataCoding.GSM7,
    smDefaultMsgId: 0,
    shortMessage,
    tlvs: new Map(tlvs),
  });

  const total = texts.length;
  if (total === 1) return { parts: [part(encodeText(texts[0]!, ucs2, packed, 0), 0)], segments: 1 };
  switch (config.longMessages) {
    case 'payload':
      return {
        parts: [part(Buffer.alloc(0), 0, [[Tlv.message_payload, encodeText(message.text, ucs2, packed, 0)]])],
        segments: total,
      };
    case 'sar':
      return {
        parts: texts.map((text, index) =>
          part(encodeText(text, ucs2, packed, 0), 0, [
            [Tlv.sar_msg_ref_num, tlvShort(reference)],
            [Tlv.sar_total_segments, tlvOctet(total)],
            [Tlv.sar_segment_seqnum, tlvOctet(index + 1)],
          ]),
        ),
        segments: total,
      };
    default:
      return {
        parts: texts.map((text, index) =>
          part(
            Buffer.concat([
              concatUdh(reference, total, index + 1),
              encodeText(text, ucs2, packed, CONCAT_UDH_LENGTH),
            ]),
            EsmClass.UDH_INDICATOR,
          ),
        ),
        segments: total,
      };
  }
}
