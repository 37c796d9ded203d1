/**
 * SMPP server bookkeeping: clients' SMPP credentials (binds, lock-outs) and the deliver_sm PDUs owed to
 * them (receipts, MO messages). The protocol itself lives in src/adapters/smpp-server/.
 */
export {
  type BindRefusal,
  createSmppCredentials,
  plainAddress,
  type SmppBinder,
  type SmppCredentialSettings,
  type SmppCredentials,
  type SmppCredentialView,
} from './credentials';
export {
  createSmppDeliveries,
  messageStateOf,
  receiptDate,
  receiptText,
  type SmppDeliveries,
  type SmppDelivery,
} from './deliveries';
