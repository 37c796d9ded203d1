import type { MessagesTable } from '../../storage/schema';
import type { SmsRoute } from '../route-port';

/** Picks the routes for a message, primary first then failovers (see route-registry.ts). */
export interface Router {
  routesFor(message: MessagesTable): SmsRoute[];
  all(): SmsRoute[];
}
