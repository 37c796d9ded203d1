import type { MessagesTable } from '../../storage/schema';
import type { SmsRoute } from './route-port';

/**
 * Picks the routes for a message, primary first then failovers. Until routing rules exist every
 * message goes to the default route.
 */
export interface Router {
  routesFor(message: MessagesTable): SmsRoute[];
  all(): SmsRoute[];
}

export function createStaticRouter(routes: SmsRoute[]): Router {
  if (routes.length === 0) throw new Error('at least one route is needed');
  return {
    routesFor: () => routes,
    all: () => routes,
  };
}
