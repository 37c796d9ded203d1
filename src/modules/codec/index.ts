export {
  analyzeText,
  decodeGsm7,
  decodeUcs2,
  encodeGsm7,
  encodeUcs2,
  isGsm7,
  packGsm7,
  type SmsEncoding,
  smartReplace,
  splitSegments,
  type TextAnalysis,
  unpackGsm7,
} from './encoding';
export {
  CONCAT_UDH_LENGTH,
  type ConcatInfo,
  concatFromUdh,
  concatUdh,
  gsm7FillBits,
  packSeptets,
} from './udh';
