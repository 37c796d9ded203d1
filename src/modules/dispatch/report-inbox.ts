import { createBatchWriter } from '../../storage/batch-writer';
import type { Db } from '../../storage/database';
import type { Outcomes } from '../messaging';
import type { DeliveryReport } from '../route-port';

/**
 * Where routes hand in delivery reports. Reports arriving together are stored and applied in one
 * transaction; `receive` resolves only after that commit, so an adapter can acknowledge a receipt to
 * its carrier knowing it will not be lost.
 */
export function createReportInbox(deps: { db: Db; outcomes: Outcomes; maxBatch?: number }) {
  const writer = createBatchWriter<DeliveryReport>(
    deps.db,
    (tx, reports) => deps.outcomes.applyReports(tx, reports),
    { maxBatch: deps.maxBatch ?? 2000 },
  );
  return {
    receive(report: DeliveryReport): Promise<void> {
      return writer.add(report);
    },
    /** Resolves when every report handed in so far has been committed (or refused). */
    idle: writer.idle,
  };
}

export type ReportInbox = ReturnType<typeof createReportInbox>;
