export { carrierRefVariants } from './carrier-ref';
export type {
  DeliveryReport,
  InboundSms,
  OutboundSms,
  RouteEvents,
  RouteHealth,
  SmsRoute,
  SubmitResult,
} from './route-port';
export { RouteError } from './route-port';
