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
 * with a lease, and deleted in the transaction that records their effect. A worker that dies leaves its
 * lease to expire, and another worker takes the job over; handlers must therefore be safe to run twice.
 */
export interface JobQueue {
  enqueue(tx: DbOrTx, jobs: NewJob[]): Promise<void>;
  claim<P>(kind: string, limit: number, leaseMs: number): Promise<Job<P>[]>;
  complete(tx: DbOrTx, ids: string[]): Promise<void>;
  /** Puts a claimed job back to run again at `runAt`. */
  retry(tx: DbOrTx, id: string, runAt: number, error: string): Promise<void>;
}
