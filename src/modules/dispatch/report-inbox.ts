import type { Db } from '../../storage/database';
import type { Outcomes } from '../messaging';
import type { DeliveryReport } from './route-port';

/**
 * Where routes hand in delivery reports. Reports arriving together are stored and applied in one
 * transaction; `receive` resolves only after that commit, so an adapter can acknowledge a receipt to
 * its carrier knowing it will not be lost.
 */
export function createReportInbox(deps: { db: Db; outcomes: Outcomes; maxBatch?: number }) {
  const max = deps.maxBatch ?? 2000;
  let pending: Array<{ report: DeliveryReport; resolve(): void; reject(e: unknown): void }> = [];
  let flushing = false;

  async function flush() {
    flushing = true;
    while (pending.length > 0) {
      const batch = pending.slice(0, max);
      pending = pending.slice(batch.length);
      try {
        await deps.db.transaction().execute((tx) =>
          deps.outcomes.applyReports(
            tx,
            batch.map((b) => b.report),
          ),
        );
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    flushing = false;
  }

  return {
    receive(report: DeliveryReport): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        pending.push({ report, resolve, reject });
        if (!flushing) {
          flushing = true;
          setImmediate(() => void flush());
        }
      });
    },
  };
}

export type ReportInbox = ReturnType<typeof createReportInbox>;
