import type { DbOrTx } from '../storage/database';

export interface Job<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  /** How many times this job has been claimed, this time included. */
  attempts: number;
}

export interface NewJob {
  kind: string;
  payload: unknown;
  /** When it may run (ms since epoch); default now. */
  runAt?: number;
}

/**
 * Durable work: jobs are written in the transaction of the change that needs them (an outbox), claimed
 * with a lease, and deleted in the transaction that records their effect. A worker renews its leases
 * while it works ({@link JobQueue.extend}); one that dies leaves its leases to expire (or to its own
 * restart, which takes them back at once), and another worker takes the job over. Every renewal and
 * completion checks the owner, so a worker that lost a job learns it and its completion does nothing;
 * handlers must still be safe to run twice.
 */
export interface JobQueue {
  enqueue(tx: DbOrTx, jobs: NewJob[]): Promise<void>;
  claim<P>(kind: string, limit: number, leaseMs: number): Promise<Job<P>[]>;
  /** Renews the leases of claimed jobs; answers the ids still held (the others went to another worker). */
  extend(ids: string[], leaseMs: number): Promise<string[]>;
  /** Deletes jobs this worker still holds, in the transaction that records their effect. */
  complete(tx: DbOrTx, ids: string[]): Promise<void>;
  /** Puts a claimed job back to run again at `runAt`. */
  retry(tx: DbOrTx, id: string, runAt: number, error: string): Promise<void>;
  /**
   * After the transaction of `complete` or `retry` committed: lets the transport forget these jobs
   * (BullMQ marks them done). Never called inside a transaction, and never fails: the table is the truth.
   */
  release(ids: string[]): Promise<void>;
}
