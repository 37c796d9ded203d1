import { type FailureCode, RouteError } from '../../modules/route-port';
import { statusName } from './wire';

/**
 * SMPP v3.4 command_status values (§5.1.3, table 5-2) as the normalised failure codes clients see. The
 * status's name (e.g. `ESME_RINVDSTADR`) is kept beside it as the carrier code. Statuses not listed here
 * (reserved and vendor-specific ones, 0x400–0x4FF) are `rejected_by_carrier`: permanent, as a carrier
 * that invents a code rarely means "try again".
 */
const BY_STATUS = new Map<number, FailureCode>([
  [0x01, 'invalid_message'], // ESME_RINVMSGLEN: message length is invalid
  [0x02, 'rejected_by_carrier'], // ESME_RINVCMDLEN: command length is invalid
  [0x03, 'rejected_by_carrier'], // ESME_RINVCMDID: invalid command id
  [0x04, 'unreachable'], // ESME_RINVBNDSTS: incorrect bind status for the command
  [0x05, 'unreachable'], // ESME_RALYBND: already bound
  [0x06, 'invalid_message'], // ESME_RINVPRTFLG: invalid priority flag
  [0x07, 'invalid_message'], // ESME_RINVREGDLVFLG: invalid registered-delivery flag
  [0x08, 'carrier_error'], // ESME_RSYSERR: system error
  [0x0a, 'invalid_sender'], // ESME_RINVSRCADR: invalid source address
  [0x0b, 'invalid_destination'], // ESME_RINVDSTADR: invalid destination address
  [0x0c, 'rejected_by_carrier'], // ESME_RINVMSGID: message id is invalid
  [0x0d, 'auth_failed'], // ESME_RBINDFAIL: bind failed
  [0x0e, 'auth_failed'], // ESME_RINVPASWD: invalid password
  [0x0f, 'auth_failed'], // ESME_RINVSYSID: invalid system id
  [0x11, 'rejected_by_carrier'], // ESME_RCANCELFAIL
  [0x13, 'rejected_by_carrier'], // ESME_RREPLACEFAIL
  [0x14, 'throttled'], // ESME_RMSGQFUL: message queue full
  [0x15, 'rejected_by_carrier'], // ESME_RINVSERTYP: invalid service type
  [0x33, 'invalid_destination'], // ESME_RINVNUMDESTS: invalid number of destinations
  [0x34, 'invalid_destination'], // ESME_RINVDLNAME: invalid distribution list name
  [0x40, 'invalid_destination'], // ESME_RINVDESTFLAG: invalid destination flag
  [0x42, 'invalid_message'], // ESME_RINVSUBREP: invalid submit-with-replace request
  [0x43, 'invalid_message'], // ESME_RINVESMCLASS: invalid esm_class
  [0x44, 'invalid_destination'], // ESME_RCNTSUBDL: cannot submit to a distribution list
  [0x45, 'rejected_by_carrier'], // ESME_RSUBMITFAIL: submit_sm or submit_multi failed
  [0x48, 'invalid_sender'], // ESME_RINVSRCTON: invalid source address TON
  [0x49, 'invalid_sender'], // ESME_RINVSRCNPI: invalid source address NPI
  [0x50, 'invalid_destination'], // ESME_RINVDSTTON: invalid destination address TON
  [0x51, 'invalid_destination'], // ESME_RINVDSTNPI: invalid destination address NPI
  [0x53, 'auth_failed'], // ESME_RINVSYSTYP: invalid system_type
  [0x54, 'invalid_message'], // ESME_RINVREPFLAG: invalid replace_if_present flag
  [0x55, 'invalid_message'], // ESME_RINVNUMMSGS: invalid number of messages
  [0x58, 'throttled'], // ESME_RTHROTTLED: throttling error (exceeded allowed message limits)
  [0x61, 'invalid_message'], // ESME_RINVSCHED: invalid scheduled delivery time
  [0x62, 'invalid_message'], // ESME_RINVEXPIRY: invalid validity period
  [0x63, 'invalid_message'], // ESME_RINVDFTMSGID: predefined message invalid or not found
  [0x64, 'carrier_error'], // ESME_RX_T_APPN: receiver temporary application error
  [0x65, 'rejected_by_carrier'], // ESME_RX_P_APPN: receiver permanent application error
  [0x66, 'rejected_by_carrier'], // ESME_RX_R_APPN: receiver reject message error
  [0x67, 'rejected_by_carrier'], // ESME_RQUERYFAIL: query_sm failed
  [0xc0, 'invalid_message'], // ESME_RINVOPTPARSTREAM: error in the optional part of the PDU
  [0xc1, 'invalid_message'], // ESME_ROPTPARNOTALLWD: optional parameter not allowed
  [0xc2, 'invalid_message'], // ESME_RINVPARLEN: invalid parameter length
  [0xc3, 'invalid_message'], // ESME_RMISSINGOPTPARAM: expected optional parameter missing
  [0xc4, 'invalid_message'], // ESME_RINVOPTPARAMVAL: invalid optional parameter value
  [0xfe, 'rejected_by_carrier'], // ESME_RDELIVERYFAILURE: delivery failure (data_sm_resp)
  [0xff, 'carrier_error'], // ESME_RUNKNOWNERR: unknown error
]);

/** The normalised failure code of a command_status other than ESME_ROK. */
export function smppFailureCode(status: number): FailureCode {
  return BY_STATUS.get(status) ?? 'rejected_by_carrier';
}

/** A refused submit (or generic_nack) as a RouteError: normalised code, the status name as carrier code. */
export function smppStatusError(status: number, detail: string): RouteError {
  const name = statusName(status);
  return new RouteError(smppFailureCode(status), `${detail} ${name}`, name);
}
