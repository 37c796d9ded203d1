import type { MessagesTable } from '../../storage/schema';
import type { SmsRoute } from '../route-port';

/** Picks the routes for a message, primary first then failovers (see route-registry.ts). */
export interface Router {
  routesFor(message: MessagesTable): SmsRoute[];
  all(): SmsRoute[];
  /**
   * Brings this process's view of routes and rules up to date when another process changed them; the
   * dispatcher calls it before routing a batch.
   */
  refresh?(): Promise<void>;
}
