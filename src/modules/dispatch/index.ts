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
  type CostTable,
  costsToCsv,
  costTableFromCredits,
  costTableInputSchema,
  costTableToCredits,
  MAX_COST_CSV_BYTES,
  parseCostsCsv,
} from './costs';
export { type CostsAdmin, createCostsAdmin } from './costs-admin';
export {
  createDispatcher,
  DISPATCH_HEARTBEAT_MS,
  DISPATCH_LEASE_MS,
  type Dispatcher,
  retryDelayMs,
} from './dispatcher';
export { createQualityTracker, MAX_QUALITY_WINDOW, type QualityStats, type QualityTracker } from './quality';
export { createReceiptSweeps, type ReceiptSweeps } from './receipt-sweeps';
export { createReportInbox, type ReportInbox } from './report-inbox';
export { type CallbackAnswer, createRouteCallbacks, type RouteCallbacks } from './route-callbacks';
export { sealClearRouteCredentials } from './route-credentials';
export { createRouteHealthBoard, ROUTE_HEALTH_EVERY_MS, type RouteHealthBoard } from './route-health-board';
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
export type { RoutePlan, Router } from './router';
export { createRoutesAdmin, type RoutesAdmin } from './routes-admin';
export {
  BUILTIN_SIMULATOR_ID,
  pickRule,
  type RoutingRule,
  type RuleMatch,
  ruleMatches,
  ruleMatchSchema,
} from './rules';
export {
  type Candidate,
  DEFAULT_STRATEGY_OPTIONS,
  type Decision,
  decide,
  demotion,
  STRATEGIES,
  type Strategy,
  type StrategyOptions,
  strategyOptionsSchema,
} from './strategy';
