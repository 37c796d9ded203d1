/**
 * The SMSC simulator as a process of its own, so that a chaos trial can kill it like a crashed carrier and
 * so that it keeps counting while the gateway under test is killed. Started with `--port N` (a fixed port:
 * a restarted carrier comes back where the gateway's binds expect it) and driven over the IPC channel:
 *
 *   { cmd: 'behaviour', patch }   → throttleEvery, respond, receipts, receiptDelayMs, responseDelayMs
 *   { cmd: 'drop' }                → TCP reset of every connection, PDUs in flight lost
 *   { cmd: 'stats' }               → { submits, accepted, destinations, duplicates, bound }
 *
 * Every accepted submit_sm is counted by destination (and appended to `--log FILE`, which outlives the
 * process): each message of a trial goes to its own number, so a number accepted twice is a message the
 * carrier received twice.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type SmscBehaviour, startSmscSimulator } from '../../dev/smsc-simulator';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'receipt-delay': { type: 'string', default: '100' },
    log: { type: 'string' },
  },
});

const acceptedByDestination = new Map<string, number>();
let submits = 0;

const simulator = await startSmscSimulator({
  port: Number(values.port ?? 0),
  host: '127.0.0.1',
  systemId: 'chaos',
  password: 'chaos-pw',
  receiptDelayMs: Number(values['receipt-delay']),
  // Kept small: the counting below is what the trial needs, not every PDU.
  recordSubmits: false,
  // As a real SMSC does: a receipt whose deliver_sm was never acknowledged (the gateway died with it
  // unanswered) goes out again on the next bind.
  redeliverReceipts: true,
  // Called only for a submit_sm about to be accepted (not throttled, not while hung): counted here, and
  // written to the log before the answer leaves, so a killed carrier's count survives it.
  failWith: (submit) => {
    submits++;
    const key = `${submit.destinationAddr}|${submit.shortMessage.toString('latin1')}`;
    acceptedByDestination.set(key, (acceptedByDestination.get(key) ?? 0) + 1);
    if (values.log) appendFileSync(values.log, `${submit.destinationAddr} ${Date.now()}\n`);
    return null;
  },
});

type Command =
  | { cmd: 'behaviour'; patch: Partial<Pick<SmscBehaviour, 'throttleEvery' | 'respond' | 'receipts'>> }
  | { cmd: 'drop' }
  | { cmd: 'stats' };

process.on('message', (message: Command & { id: number }) => {
  const reply = (body: unknown) => process.send?.({ id: message.id, body });
  switch (message.cmd) {
    case 'behaviour':
      simulator.setBehaviour(message.patch);
      reply({ ok: true });
      return;
    case 'drop':
      simulator.dropConnections();
      reply({ ok: true });
      return;
    case 'stats': {
      let accepted = 0;
      let duplicates = 0;
      for (const count of acceptedByDestination.values()) {
        accepted += count;
        duplicates += count - 1;
      }
      reply({
        submits,
        accepted,
        destinations: acceptedByDestination.size,
        duplicates,
        bound: simulator.boundSessions(),
      });
      return;
    }
  }
});

process.send?.({ ready: true, port: simulator.port });
process.on('SIGTERM', () => {
  void simulator.stop().then(() => process.exit(0));
});
