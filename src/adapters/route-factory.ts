import type { RouteAdapterDeps, RouteFactory, RouteTypes, SmsRoute } from '../modules/dispatch';
import type { SharedThroughputFactory } from '../modules/route-port';
import type { createSimulatorRoute } from './simulator/simulator-route';

type SimulatorRoute = ReturnType<typeof createSimulatorRoute>;

/** A simulated route that makes its own receipts: the workers pump it. */
const pumps = (route: SmsRoute): route is SimulatorRoute =>
  typeof (route as Partial<SimulatorRoute>).pump === 'function' &&
  typeof (route as Partial<SimulatorRoute>).reply === 'function';

/** Builds the adapter for a route row through its type's registry entry. */
export function createRouteFactory(
  routeTypes: RouteTypes,
  deps: Omit<RouteAdapterDeps, 'id' | 'callbackUrl' | 'sharedThroughput'> & {
    publicUrl: string;
    /** Shares routes' throughput limits across processes (Redis); absent: each process keeps its own. */
    sharedThroughput?: SharedThroughputFactory;
  },
): RouteFactory & { simulators: () => SimulatorRoute[] } {
  const simulators = new Map<string, SimulatorRoute>();
  const factory: RouteFactory = (row) => {
    const route = routeTypes.create(row, {
      ...deps,
      id: row.id,
      callbackUrl: (kind) => `${deps.publicUrl}/hooks/routes/${encodeURIComponent(row.id)}/${kind}`,
      logger: deps.logger.child({ route: row.id }),
      sharedThroughput: (perSecond) => deps.sharedThroughput?.(row.id, perSecond) ?? null,
    });
    if (routeTypes.isSimulated(row.type) && pumps(route)) simulators.set(row.id, route);
    return route;
  };
  return Object.assign(factory, { simulators: () => [...simulators.values()] });
}
