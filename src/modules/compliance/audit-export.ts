import type { DbOrTx } from '../../storage/database';
import type { AuditEventsTable } from '../../storage/schema';
import { type AuditEvent, auditEventFields, chainOf } from '../audit';
import { csvRow } from '../contacts';
import type { ProcessorDeps } from './processor-duties';

/**
 * One exported audit event. `data` is the stored JSON text and `atMs` the stored time, exactly as they
 * enter the hash, so an auditor can re-compute the chain offline:
 * `hash = sha256(prevHash + JSON.stringify([id, chain, seq, accountId, actorType, actorId, action,
 * targetType, targetId, ip, data, atMs]))`, and each `prevHash` is the previous event's `hash`.
 */
export interface ExportedAuditEvent extends Omit<AuditEvent, 'data'> {
  chain: string;
  seq: number;
  /** The data exactly as hashed (JSON text), so that the hash can be recomputed. */
  data: string | null;
  atMs: number;
  prevHash: string;
  hash: string;
}

export const AUDIT_CSV_COLUMNS = [
  'id',
  'chain',
  'seq',
  'accountId',
  'actorType',
  'actorId',
  'action',
  'targetType',
  'targetId',
  'ip',
  'data',
  'at',
  'atMs',
  'prevHash',
  'hash',
] as const;

export interface AuditExportFilter {
  /** An account id, null for the platform's own chain, undefined for every chain (staff only). */
  accountId: string | null | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
}

function exported(r: AuditEventsTable): ExportedAuditEvent {
  return Object.assign(auditEventFields(r), {
    chain: r.chain,
    seq: Number(r.seq),
    data: r.data,
    atMs: Number(r.at),
    prevHash: r.prev_hash,
    hash: r.hash,
  });
}

const BATCH = 1000;

/** Streams audit events in chain order (chain, then sequence), page by page. */
async function* batches(db: DbOrTx, filter: AuditExportFilter): AsyncGenerator<ExportedAuditEvent[]> {
  let lastChain = '';
  let lastSeq = 0;
  for (;;) {
    let q = db.selectFrom('audit_events').selectAll().orderBy('chain').orderBy('seq').limit(BATCH);
    if (filter.accountId !== undefined) q = q.where('chain', '=', chainOf(filter.accountId));
    if (filter.fromMs !== undefined) q = q.where('at', '>=', filter.fromMs);
    if (filter.toMs !== undefined) q = q.where('at', '<', filter.toMs);
    const chainAt = lastChain;
    const seqAt = lastSeq;
    q = q.where((eb) =>
      eb.or([eb('chain', '>', chainAt), eb.and([eb('chain', '=', chainAt), eb('seq', '>', seqAt)])]),
    );
    const rows = await q.execute();
    if (rows.length === 0) return;
    yield rows.map(exported);
    const last = rows[rows.length - 1]!;
    lastChain = last.chain;
    lastSeq = Number(last.seq);
    if (rows.length < BATCH) return;
  }
}

/** Audit log exports (JSON or CSV, streamed) and chain checks for a client's auditor. */
export function createAuditExport(deps: Pick<ProcessorDeps, 'db' | 'audit'>) {
  const { db, audit } = deps;
  return {
    batches: (filter: AuditExportFilter) => batches(db, filter),

    async *json(filter: AuditExportFilter): AsyncGenerator<string> {
      yield '[';
      let first = true;
      for await (const batch of batches(db, filter)) {
        let chunk = '';
        for (const e of batch) {
          chunk += `${first ? '' : ','}\n${JSON.stringify(e)}`;
          first = false;
        }
        yield chunk;
      }
      yield '\n]\n';
    },

    /** CSV with formula-like cells neutralised (an `ip` or `action` never starts a spreadsheet formula). */
    async *csv(filter: AuditExportFilter): AsyncGenerator<string> {
      yield csvRow([...AUDIT_CSV_COLUMNS]);
      for await (const batch of batches(db, filter)) {
        let chunk = '';
        for (const e of batch) chunk += csvRow(AUDIT_CSV_COLUMNS.map((c) => e[c]));
        yield chunk;
      }
    },

    /** Re-computes one chain: `{ ok, events, firstBrokenSeq? }`. */
    async verify(accountId: string | null) {
      const result = await audit.verify(db, accountId);
      return result.brokenAt === null
        ? { ok: true, chain: chainOf(accountId), events: result.events }
        : { ok: false, chain: chainOf(accountId), events: result.events, firstBrokenSeq: result.brokenAt };
    },
  };
}

export type AuditExport = ReturnType<typeof createAuditExport>;
