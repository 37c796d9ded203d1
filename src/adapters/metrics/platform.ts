import type { Clock } from '../../kernel/clock';
import type { Metrics } from '../../kernel/metrics';
import type { ClientEvent, ClientEventSink } from '../../modules/messaging';
import type { RouteHealth } from '../../modules/route-port';
import type { Db } from '../../storage/database';

/** Seconds from submit to receipt: most within a few seconds, some after hours. */
const LATENCY_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 86_400];

/**
 * The platform's own series (names begin with `smsgate_`): what messages became, receipts by route and
 * country with their latency, and, read when scraped, queue depth and age per job kind, webhook deliveries
 * waiting and each route's binds and window. Counters count what this process wrote; Prometheus adds up
 * the processes of a deployment.
 */
export function instrumentPlatform(
  metrics: Metrics,
  deps: { db: Db; clock: Clock; routes: () => Array<{ id: string; health(): RouteHealth }> },
) {
  const statuses = metrics.counter(
    'smsgate_message_status_changes_total',
    'Messages that reached a status, counted when the change was written (accepted ones as queued or scheduled).',
    ['status'],
  );
  const received = metrics.counter('smsgate_inbound_messages_total', 'Inbound messages received.', []);
  const receipts = metrics.counter(
    'smsgate_receipts_total',
    'Final delivery receipts by route and destination country.',
    ['route', 'country', 'outcome'],
  );
  const latency = metrics.histogram(
    'smsgate_delivery_latency_seconds',
    'Time from the carrier accepting a message to its final receipt.',
    ['route'],
    LATENCY_BUCKETS,
  );

  metrics.gauge('smsgate_jobs', 'Background jobs waiting or running, by kind.', ['kind'], async () =>
    (
      await deps.db
        .selectFrom('jobs')
        .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('kind')
        .execute()
    ).map((r) => ({ labels: { kind: r.kind }, value: Number(r.n) })),
  );
  metrics.gauge(
    'smsgate_job_oldest_age_seconds',
    'Age of the oldest job due to run, by kind (0 when none is due): how far behind the workers are.',
    ['kind'],
    async () => {
      const now = deps.clock.now();
      const rows = await deps.db
        .selectFrom('jobs')
        .select(['kind', (eb) => eb.fn.min<number>('run_at').as('oldest')])
        .where('run_at', '<=', now)
        .groupBy('kind')
        .execute();
      return rows.map((r) => ({
        labels: { kind: r.kind },
        value: Math.max(0, (now - Number(r.oldest)) / 1000),
      }));
    },
  );
  metrics.gauge(
    'smsgate_webhook_deliveries_pending',
    'Webhook deliveries not yet delivered or given up.',
    [],
    async () => {
      const row = await deps.db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return [{ labels: {}, value: Number(row?.n ?? 0) }];
    },
  );
  const perRoute = (pick: (h: RouteHealth) => number) => async () =>
    deps.routes().map((r) => ({ labels: { route: r.id }, value: pick(r.health()) }));
  metrics.gauge(
    'smsgate_route_binds',
    'Connected binds (connections) of each running route.',
    ['route'],
    perRoute((h) => h.connectedBinds),
  );
  metrics.gauge(
    'smsgate_route_in_flight',
    'Submits awaiting the carrier’s answer (window in use), by route.',
    ['route'],
    perRoute((h) => h.inFlight),
  );
  metrics.gauge(
    'smsgate_route_errors_last_minute',
    'Failed submits of the last minute, by route.',
    ['route'],
    perRoute((h) => h.errorsLastMinute),
  );

  const sink: ClientEventSink = {
    async publish(_tx, events: ClientEvent[]) {
      for (const e of events) {
        if (e.type === 'message.received') received.inc();
        else statuses.inc({ status: String((e.data as { status?: unknown }).status ?? 'unknown') });
      }
    },
  };
  return {
    /** Counts status changes and inbound messages as they are written. */
    sink,
    /** Counts the messages a send took (queued, scheduled or held; those it rejected come as status events). */
    accepted<R extends { data: Array<{ status: string }> }>(result: R): R {
      for (const m of result.data)
        if (m.status === 'queued' || m.status === 'scheduled' || m.status === 'held')
          statuses.inc({ status: m.status });
      return result;
    },
    /** A final receipt matched to its message (delivered or not), with the route's latency. */
    receipt(r: { routeId: string; country: string | null; delivered: boolean; latencyMs: number | null }) {
      receipts.inc({
        route: r.routeId,
        country: r.country ?? 'unknown',
        outcome: r.delivered ? 'delivered' : 'undelivered',
      });
      if (r.latencyMs !== null && r.latencyMs >= 0) latency.observe({ route: r.routeId }, r.latencyMs / 1000);
    },
  };
}
