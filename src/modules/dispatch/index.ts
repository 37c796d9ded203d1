export type {
  DeliveryReport,
  FailureCode,
  InboundSms,
  OutboundSms,
  RouteEvents,
  RouteHealth,
  SmsRoute,
  SubmitResult,
} from '../route-port';
export {
  carrierRefVariants,
  FAILURE_CODES,
  isFailureCode,
  RouteError,
  receiptFailureCode,
} from '../route-port';
export {
  createDispatcher,
  DISPATCH_HEARTBEAT_MS,
  DISPATCH_LEASE_MS,
  type Dispatcher,
  retryDelayMs,
} from './dispatcher';
export { createReceiptSweeps, type ReceiptSweeps } from './receipt-sweeps';
export { createReportInbox, type ReportInbox } from './report-inbox';
export { type CallbackAnswer, createRouteCallbacks, type RouteCallbacks } from './route-callbacks';
export {
  type BuiltinRoute,
  createRouteRegistry,
  type RouteFactory,
  type RouteInfo,
  type RouteRegistry,
} from './route-registry';
export { createRouteTests, ROUTE_TEST_MAX_WAIT_MS, type RouteTests, type RouteTestView } from './route-tests';
export {
  type CallbackVerdict,
  createRouteTypes,
  type RouteAdapterDeps,
  type RouteCallback,
  type RouteCallbackKind,
  type RouteTypeDefinition,
  type RouteTypes,
  type RouteTypeView,
  SECRET_MASK,
} from './route-types';
export type { Router } from './router';
export { createRoutesAdmin, type RoutesAdmin } from './routes-admin';
export {
  BUILTIN_SIMULATOR_ID,
  pickRule,
  type RoutingRule,
  type RuleMatch,
  ruleMatches,
  ruleMatchSchema,
} from './rules';
