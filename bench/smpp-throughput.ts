/**
 * SMPP route throughput over loopback: submit_sm/s (send() resolved) and receipts/s (onDeliveryReport called)
 * through one route to the SMSC simulator, for window ∈ {1, 10, 50} × binds ∈ {1, 4}.
 *
 *   npx tsx bench/smpp-throughput.ts              # prints one JSON line
 *   npx tsx bench/smpp-throughput.ts --only 4x50  # one scenario (binds x window)
 *
 * The simulator runs in a child process (this file with `--simulator`), so the route and the SMSC each have a
 * core, as they would in production.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startSmscSimulator } from '../dev/smsc-simulator';
import { createSmppRoute } from '../src/adapters/smpp/smpp-route';
import type { OutboundSms } from '../src/modules/route-port';

const SYSTEM_ID = 'bench';
const PASSWORD = 'bench';

interface Scenario {
  binds: number;
  window: number;
  messages: number;
}

const SCENARIOS: Scenario[] = [
  { binds: 1, window: 1, messages: 2_000 },
  { binds: 1, window: 10, messages: 10_000 },
  { binds: 1, window: 50, messages: 20_000 },
  { binds: 4, window: 1, messages: 4_000 },
  { binds: 4, window: 10, messages: 20_000 },
  { binds: 4, window: 50, messages: 20_000 },
];

async function runSimulator(): Promise<void> {
  const simulator = await startSmscSimulator({
    systemId: SYSTEM_ID,
    password: PASSWORD,
    recordSubmits: false,
  });
  process.send?.({ port: simulator.port });
  process.on('message', () => process.send?.({ cpu: process.cpuUsage() }));
  process.on('disconnect', () => {
    void simulator.stop().then(() => process.exit(0));
  });
}

function startSimulatorProcess(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--simulator'], {
    execArgv: ['--import', 'tsx', ...(process.env.SIMULATOR_EXEC_ARGV?.split(' ').filter(Boolean) ?? [])],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, port: (message as { port: number }).port }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

/** CPU time (µs) the simulator process has used so far. */
function simulatorCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      const cpu = (message as { cpu?: NodeJS.CpuUsage }).cpu;
      if (!cpu) return;
      child.off('message', onMessage);
      resolve(cpu.user + cpu.system);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

async function runScenario(child: ChildProcess, port: number, scenario: Scenario) {
  let receipts = 0;
  let lastReceiptAt = 0;
  let allReceipts: () => void = () => {};
  const receiptsDone = new Promise<void>((resolve) => {
    allReceipts = resolve;
  });
  const route = createSmppRoute(`bench-${scenario.binds}x${scenario.window}`, {
    host: '127.0.0.1',
    port,
    systemId: SYSTEM_ID,
    password: PASSWORD,
    binds: scenario.binds,
    window: scenario.window,
    submitTimeoutMs: 30_000,
  });
  await route.start({
    onDeliveryReport() {
      receipts++;
      if (receipts === scenario.messages) {
        lastReceiptAt = performance.now();
        allReceipts();
      }
    },
    onInbound() {},
  });
  const message = (i: number): OutboundSms => ({
    messageId: `m${i}`,
    accountId: 'bench',
    to: `+4479111${(10_000 + (i % 90_000)).toString().padStart(5, '0')}`,
    from: 'Bench',
    text: `Your code is ${100_000 + i}`,
    encoding: 'GSM-7',
    segments: 1,
    validUntil: null,
    type: 'transactional',
  });
  const simulatorCpuBefore = await simulatorCpu(child);
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < scenario.messages; i++) sends.push(route.send(message(i)));
  const results = await Promise.allSettled(sends);
  const submitted = performance.now();
  const failed = results.filter((result) => result.status === 'rejected').length;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([receiptsDone, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]);
  clearTimeout(timer);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const simulatorCpuUs = (await simulatorCpu(child)) - simulatorCpuBefore;
  await route.stop();
  const submitSeconds = (submitted - started) / 1000;
  const receiptSeconds = ((lastReceiptAt || performance.now()) - started) / 1000;
  return {
    binds: scenario.binds,
    window: scenario.window,
    messages: scenario.messages,
    failed,
    submitsPerSec: Math.round((scenario.messages - failed) / submitSeconds),
    receiptsPerSec: Math.round(receipts / receiptSeconds),
    receipts,
    // CPU per message (µs), independent of what else the machine is doing.
    routeCpuUsPerMsg: Math.round((clientCpu.user + clientCpu.system) / scenario.messages),
    smscCpuUsPerMsg: Math.round(simulatorCpuUs / scenario.messages),
  };
}

async function main(): Promise<void> {
  const { child, port } = await startSimulatorProcess();
  try {
    const results = [];
    // `--only 4x50` runs one scenario (for profiling).
    const only = process.argv[process.argv.indexOf('--only') + 1];
    const selected = process.argv.includes('--only')
      ? SCENARIOS.filter((s) => `${s.binds}x${s.window}` === only)
      : SCENARIOS;
    // Warm up both processes (JIT) so that the figures do not depend on the order of the scenarios.
    await runScenario(child, port, { binds: 2, window: 20, messages: 5_000 });
    for (const scenario of selected) results.push(await runScenario(child, port, scenario));
    console.log(JSON.stringify({ bench: 'smpp-throughput', node: process.version, results }));
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes('--simulator')) {
  await runSimulator();
} else {
  await main();
}
