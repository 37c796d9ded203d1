import type { MessagesTable } from '../../storage/schema';
import type { SmsRoute } from '../route-port';

/** The routes a message tries (chosen first, then failovers) and how they were chosen. */
export interface RoutePlan {
  routes: SmsRoute[];
  /** The routing rule that matched; null when none did. */
  rule: string | null;
  strategy: string;
  /** Short and human: `least_cost: rte_a 0.021 < rte_b 0.03`. */
  reason: string;
}

/** Picks the routes for a message, primary first then failovers (see route-registry.ts). */
export interface Router {
  routesFor(message: MessagesTable): SmsRoute[];
  all(): SmsRoute[];
  /** Like routesFor, with the decision; routers that cannot explain themselves leave it out. */
  plan?(message: MessagesTable): RoutePlan;
  /** The carrier cost of one segment of the message through a route, micro-credits; null when unknown. */
  costOf?(routeId: string, message: Pick<MessagesTable, 'to_number' | 'country'>): number | null;
  /**
   * Brings this process's view of routes and rules up to date when another process changed them; the
   * dispatcher calls it before routing a batch.
   */
  refresh?(): Promise<void>;
}
