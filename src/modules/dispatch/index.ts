export { createDispatcher, type Dispatcher, retryDelayMs } from './dispatcher';
export { createReportInbox, type ReportInbox } from './report-inbox';
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
export { createStaticRouter, type Router } from './router';
