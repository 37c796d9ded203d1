export { carrierRefVariants } from './carrier-ref';
export type {
  DeliveryReport,
  FailureCode,
  InboundSms,
  OutboundSms,
  RouteEvents,
  RouteHealth,
  SmsRoute,
  SubmitResult,
} from './route-port';
export { FAILURE_CODES, isFailureCode, RouteError, receiptFailureCode } from './route-port';
export {
  SHARED_SEND_WITHIN_MS,
  type SharedThroughput,
  type SharedThroughputFactory,
  sharedThroughput,
  type ThroughputCounter,
} from './shared-throughput';
