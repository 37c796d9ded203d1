import type { Clock } from '../../kernel/clock';
import { AppError, type FieldError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import { pause } from '../../kernel/timing';
import type { Db } from '../../storage/database';
import { acquireNamed, type LeasedTable, releaseLeases } from '../../storage/lease';
import type { AuditActor, AuditLog } from '../audit';

export const DAY_MS = 24 * 3600_000;

/**
 * One retention rule: what it purges, the promised maximum age, and a batch function that purges up to
 * `limit` rows older than `cutoff` (now − the rule's period) and returns how many it purged. A batch is
 * its own short transaction and is keyed by age only, so a sweep that dies half-way simply continues on
 * the next run, and running a batch twice purges nothing twice.
 */
export interface RetentionRule {
  name: string;
  description: string;
  /** The promised maximum, in days; the operator may lower it (raise it only with RETENTION_ALLOW_LONGER). */
  promiseDays: number;
  batch(ctx: { now: number; cutoff: number; limit: number }): Promise<number>;
}

export interface RetentionPolicyView {
  rule: string;
  description: string;
  promiseDays: number;
  days: number;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface SweepResult {
  /** False when another worker holds the sweep lease (it is sweeping right now). */
  ran: boolean;
  sweepId: string | null;
  counts: Record<string, number>;
  total: number;
  ms: number;
}

export interface RetentionDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  settings: { allowLonger: boolean; batchSize?: number; pauseMs?: number };
}

const LEASES: LeasedTable = { table: 'retention_leases', key: 'name', owner: 'owner' };
const LEASE = 'retention-sweep';
const LEASE_MS = 10 * 60_000;
const TARGET_BATCH_MS = 25;
const MIN_BATCH = 100;

/**
 * The retention engine: a list of registered rules, their periods (policy rows, defaulting to the
 * promises), and one sweep that runs every rule in batches. Only one worker sweeps at a time (a lease
 * row, taken with a conditional update that both dialects serialise); the others skip. Each sweep that
 * purged something writes ONE platform audit event with the counts per rule, never the data itself.
 */
export function createRetention(deps: RetentionDeps) {
  const { db, clock, ids, audit } = deps;
  const rules: RetentionRule[] = [];
  // Batches start at 1,000 rows and then adapt so that one transaction (on SQLite, the one writer) takes
  // about TARGET_BATCH_MS: short enough that a send waiting behind it is barely delayed.
  const maxBatch = deps.settings.batchSize ?? 1000;
  const pauseMs = deps.settings.pauseMs ?? 5;

  async function periods(): Promise<
    Map<string, { days: number; updatedBy: string | null; updatedAt: number }>
  > {
    const rows = await db.selectFrom('retention_policies').selectAll().execute();
    return new Map(
      rows.map((r) => [
        r.rule,
        { days: Number(r.max_days), updatedBy: r.updated_by, updatedAt: Number(r.updated_at) },
      ]),
    );
  }

  /** Takes the sweep's lease, or renews it while this sweep holds it. */
  async function takeLease(owner: string): Promise<boolean> {
    const now = clock.now();
    await db
      .insertInto('retention_leases')
      .values({ name: LEASE, owner: null, lease_until: 0 })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    return acquireNamed(db, LEASES, LEASE, owner, now, now + LEASE_MS);
  }

  async function releaseLease(owner: string): Promise<void> {
    await releaseLeases(db, LEASES, [LEASE], { owner });
  }

  return {
    /** Adds a rule; rules run in registration order. */
    register(rule: RetentionRule): void {
      if (rules.some((r) => r.name === rule.name))
        throw new Error(`retention rule ${rule.name} registered twice`);
      rules.push(rule);
    },

    ruleNames: (): string[] => rules.map((r) => r.name),

    /** Every rule with its period in force. */
    async policies(): Promise<RetentionPolicyView[]> {
      const set = await periods();
      return rules.map((r) => {
        const p = set.get(r.name);
        return {
          rule: r.name,
          description: r.description,
          promiseDays: r.promiseDays,
          days: p?.days ?? r.promiseDays,
          updatedBy: p?.updatedBy ?? null,
          updatedAt: p ? new Date(p.updatedAt).toISOString() : null,
        };
      });
    },

    /** Sets periods (days) by rule name; longer than the promise only when the deployment allows it. */
    async setPolicies(actor: AuditActor, changes: Record<string, number>): Promise<RetentionPolicyView[]> {
      const errors: FieldError[] = [];
      let above = false;
      for (const [name, days] of Object.entries(changes)) {
        const rule = rules.find((r) => r.name === name);
        if (!rule) errors.push({ path: `/body/rules/${name}`, message: 'no such retention rule' });
        else if (days > rule.promiseDays && !deps.settings.allowLonger) {
          above = true;
          errors.push({
            path: `/body/rules/${name}`,
            message: `${days} days is longer than the promised ${rule.promiseDays}`,
          });
        }
      }
      if (errors.length > 0) {
        throw new AppError(
          above ? 'retention_above_promise' : 'validation_failed',
          above ? undefined : 'Unknown retention rule.',
          { errors },
        );
      }
      const now = clock.now();
      await db.transaction().execute(async (tx) => {
        for (const [rule, days] of Object.entries(changes)) {
          await tx
            .insertInto('retention_policies')
            .values({ rule, max_days: days, updated_by: actor.id, updated_at: now })
            .onConflict((oc) =>
              oc.column('rule').doUpdateSet({ max_days: days, updated_by: actor.id, updated_at: now }),
            )
            .execute();
        }
        if (Object.keys(changes).length > 0)
          await audit.record(tx, {
            accountId: null,
            actor,
            action: 'retention.policies_changed',
            data: { rules: changes },
          });
      });
      return this.policies();
    },

    /**
     * Runs every rule to completion (batch after batch, yielding to other work between batches).
     * Returns `ran: false` when another worker is sweeping.
     */
    async sweepOnce(): Promise<SweepResult> {
      const started = performance.now();
      const sweepId = ids('swp');
      if (!(await takeLease(sweepId))) return { ran: false, sweepId: null, counts: {}, total: 0, ms: 0 };
      const counts: Record<string, number> = {};
      let total = 0;
      let renewedAt = performance.now();
      try {
        const set = await periods();
        sweep: for (const rule of rules) {
          const days = set.get(rule.name)?.days ?? rule.promiseDays;
          let purged = 0;
          let limit = maxBatch;
          for (;;) {
            const now = clock.now();
            const batchStarted = performance.now();
            const n = await rule.batch({ now, cutoff: now - days * DAY_MS, limit });
            purged += n;
            if (n < limit) break;
            const took = Math.max(1, performance.now() - batchStarted);
            limit = Math.round(Math.min(maxBatch, Math.max(MIN_BATCH, (limit * TARGET_BATCH_MS) / took)));
            // A pause between batches (at least a third of the batch's time) lets waiting requests finish: a
            // send takes several steps, and must not wait behind two batches in a row.
            const rest = Math.max(pauseMs, took / 3);
            await pause(rest);
            // A long sweep keeps its lease; one that lost it (it stalled past the lease) stops.
            if (performance.now() - renewedAt > 60_000) {
              renewedAt = performance.now();
              if (!(await takeLease(sweepId))) {
                counts[rule.name] = purged;
                total += purged;
                break sweep;
              }
            }
          }
          counts[rule.name] = purged;
          total += purged;
        }
        if (total > 0) {
          await db.transaction().execute((tx) =>
            audit.record(tx, {
              accountId: null,
              actor: { type: 'system', id: null },
              action: 'retention.swept',
              target: { type: 'sweep', id: sweepId },
              data: { counts, total },
            }),
          );
        }
      } finally {
        await releaseLease(sweepId);
      }
      return { ran: true, sweepId, counts, total, ms: Math.round(performance.now() - started) };
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
