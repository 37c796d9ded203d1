/**
 * The project's SMSC simulator as a process of its own, for benchmarks that compare gateways against the
 * same carrier: each gateway under test binds to it over loopback, and the simulator's own CPU never counts
 * as theirs. Not a benchmark itself (the leading `_` keeps it out of `npm run bench`).
 *
 *   node --import tsx bench/_smsc-process.ts --system-id bench --password bench-pw --receipt-delay 1000
 *
 * It answers every submit_sm at once with a decimal message id (the same in submit_sm_resp, in the
 * receipt's text and in its `receipted_message_id` TLV) and sends a `DELIVRD` receipt `--receipt-delay` ms
 * later when one was asked for. Over the IPC channel it reports `{ ready: true, port }` once listening and
 * answers `{ cmd: 'stats' }` with `{ submits, bound, cpuMs }`; it stops on SIGTERM or when its parent goes.
 */
import { parseArgs } from 'node:util';
import { startSmscSimulator } from '../dev/smsc-simulator';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'system-id': { type: 'string', default: 'bench' },
    password: { type: 'string', default: 'bench-pw' },
    'receipt-delay': { type: 'string', default: '1000' },
  },
});

const simulator = await startSmscSimulator({
  port: Number(values.port),
  host: '127.0.0.1',
  systemId: values['system-id']!,
  password: values.password!,
  receiptDelayMs: Number(values['receipt-delay']),
  // A long run would otherwise keep every PDU in memory.
  recordSubmits: false,
});

process.on('message', (message: { id: number; cmd: 'stats' }) => {
  if (message.cmd !== 'stats') return;
  const cpu = process.cpuUsage();
  process.send?.({
    id: message.id,
    body: {
      submits: simulator.submitCount(),
      bound: simulator.boundSessions(),
      cpuMs: (cpu.user + cpu.system) / 1000,
    },
  });
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  void simulator.stop().then(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('disconnect', stop);
process.send?.({ ready: true, port: simulator.port });
