/**
 * The SMPP server's accept rate: 4 binds × window 50 submit_sm (one-part GSM-7 texts, registered_delivery
 * 1) against `smsgate serve` with SMPP_PORT on SQLite, workers off so that only accepting is measured.
 * Figures: submit_sm/s answered ESME_ROK, p50/p99 submit_sm_resp latency, server CPU per submit, and the
 * same figures for POST /v1/messages in the same server just after (as many requests in flight), as a ratio.
 * Target (issue 20): ≥ 5,000/s, p99 ≤ 50 ms.
 *
 *   npx tsx bench/smpp-server.ts                          # 3 rounds of 2 s warm-up + 8 s
 *   npx tsx bench/smpp-server.ts --rounds 1 --duration 3 --warmup 1 --binds 4 --window 50 --idle 1000
 *
 * Then `--idle` transceiver binds (target 1,000) are opened and left idle; the server's RSS is reported
 * with them held (target ≤ 300 MB).
 *
 * The client is the platform's own SMPP codec (src/adapters/smpp/wire.ts) on raw sockets: cheap enough
 * that the server, not the client, is what is measured.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  CommandId,
  encodeBind,
  encodeShortMessagePdu,
  FrameReader,
  readHeader,
  type ShortMessagePdu,
} from '../src/adapters/smpp/wire';
import {
  cpuSeconds,
  freePort,
  load,
  log,
  lvNumber,
  machine,
  median,
  numberArg,
  percentile,
  printResult,
  round,
  signupWithApiKey,
  startServer,
} from './lib';

const ROUNDS = numberArg('rounds', 3);
const DURATION_SEC = numberArg('duration', 8);
const WARMUP_SEC = numberArg('warmup', 2);
const BINDS = numberArg('binds', 4);
const WINDOW = numberArg('window', 50);
const IDLE_BINDS = numberArg('idle', 1000);

function submitPdu(sequence: number, n: number): Buffer {
  const pdu: ShortMessagePdu = {
    serviceType: '',
    sourceTon: 5,
    sourceNpi: 0,
    sourceAddr: 'Bench',
    destTon: 1,
    destNpi: 1,
    destinationAddr: lvNumber(n % 10_000_000).slice(1),
    esmClass: 0,
    protocolId: 0,
    priorityFlag: 0,
    scheduleDeliveryTime: '',
    validityPeriod: '',
    registeredDelivery: 1,
    replaceIfPresent: 0,
    dataCoding: 0,
    smDefaultMsgId: 0,
    shortMessage: Buffer.from(`Your code is ${100_000 + (n % 900_000)}`, 'latin1'),
    tlvs: new Map(),
  };
  return encodeShortMessagePdu(CommandId.submit_sm, sequence, pdu);
}

interface Bind {
  socket: Socket;
  run(untilMs: number, record: boolean): Promise<void>;
}

let counter = 0;
const latencies: number[] = [];
const statuses = new Map<number, number>();
let accepted = 0;

async function bind(port: number, systemId: string, password: string): Promise<Bind> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const reader = new FrameReader();
  const sentAt = new Map<number, number>();
  let onResponse: ((sequence: number, status: number) => void) | null = null;
  let bound: (status: number) => void = () => {};
  socket.on('data', (chunk) =>
    reader.push(chunk, (frame) => {
      const h = readHeader(frame);
      if (h.commandId === CommandId.bind_transceiver_resp) bound(h.status);
      else if (h.commandId === CommandId.submit_sm_resp) onResponse?.(h.sequence, h.status);
      else if (h.commandId === CommandId.deliver_sm) {
        const resp = Buffer.alloc(17);
        resp.writeUInt32BE(17, 0);
        resp.writeUInt32BE(CommandId.deliver_sm_resp, 4);
        resp.writeUInt32BE(h.sequence, 12);
        socket.write(resp);
      }
    }),
  );
  const status = await new Promise<number>((resolve) => {
    bound = resolve;
    socket.write(
      encodeBind(CommandId.bind_transceiver, 1, {
        systemId,
        password,
        systemType: '',
        interfaceVersion: 0x34,
        addrTon: 0,
        addrNpi: 0,
        addressRange: '',
      }),
    );
  });
  if (status !== 0) throw new Error(`bind refused: ${status}`);
  let sequence = 1;
  return {
    socket,
    run(untilMs, record) {
      return new Promise<void>((resolve) => {
        let inFlight = 0;
        const send = () => {
          while (inFlight < WINDOW && performance.now() < untilMs) {
            sequence++;
            sentAt.set(sequence, performance.now());
            socket.write(submitPdu(sequence, counter++));
            inFlight++;
          }
          if (inFlight === 0) resolve();
        };
        onResponse = (seq, st) => {
          const at = sentAt.get(seq);
          sentAt.delete(seq);
          inFlight--;
          if (record) {
            statuses.set(st, (statuses.get(st) ?? 0) + 1);
            if (st === 0) {
              accepted++;
              if (at !== undefined) latencies.push(performance.now() - at);
            }
          }
          send();
        };
        send();
      });
    },
  };
}

async function credentialOn(server: Awaited<ReturnType<typeof startServer>>) {
  const { cookie, csrfToken, key } = await signupWithApiKey(server);
  const made = await fetch(`${server.baseUrl}/v1/smpp/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: '{}',
  });
  if (made.status !== 201) throw new Error(`credentials: ${made.status} ${await made.text()}`);
  return { ...((await made.json()) as { systemId: string; password: string }), key };
}

/** RSS of the server holding `count` idle binds (opened 20 at a time: each bind checks an Argon2 hash). */
async function idleBinds(count: number) {
  const smppPort = await freePort();
  const server = await startServer({ SMPP_PORT: String(smppPort), SMPP_MAX_BINDS: String(count) });
  try {
    const cred = await credentialOn(server);
    const before = server.peakRssMb();
    const start = performance.now();
    const held: Bind[] = [];
    for (let i = 0; i < count; i += 20)
      held.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(20, count - i) }, () => bind(smppPort, cred.systemId, cred.password)),
        )),
      );
    const bindSeconds = (performance.now() - start) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rss =
      Number(readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
    for (const b of held) b.socket.destroy();
    const figures = {
      binds: held.length,
      rssMb: Math.round(rss),
      rssBeforeMb: before,
      bindSeconds: round(bindSeconds, 1),
    };
    log(`smpp-server idle binds ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    await server.stop();
  }
}

async function round_(index: number) {
  const smppPort = await freePort();
  const server = await startServer({
    WORKERS: 'false',
    SMPP_PORT: String(smppPort),
    SMPP_SUBMITS_PER_SECOND: '1000000',
    SMPP_WINDOW: String(WINDOW * 2),
    SMPP_MAX_BINDS: String(BINDS),
  });
  try {
    const cred = await credentialOn(server);
    const binds = await Promise.all(
      Array.from({ length: BINDS }, () => bind(smppPort, cred.systemId, cred.password)),
    );
    await Promise.all(binds.map((b) => b.run(performance.now() + WARMUP_SEC * 1000, false)));
    latencies.length = 0;
    statuses.clear();
    accepted = 0;
    const cpuBefore = cpuSeconds(server.pid);
    const start = performance.now();
    await Promise.all(binds.map((b) => b.run(start + DURATION_SEC * 1000, true)));
    const seconds = (performance.now() - start) / 1000;
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    for (const b of binds) b.socket.destroy();
    // The same accept path over HTTP, in the same server right after: POST /v1/messages with as many
    // requests in flight as the binds' windows hold.
    const native = {
      url: `${server.baseUrl}/v1/messages`,
      connections: BINDS * WINDOW,
      okStatus: 202,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cred.key}` },
      nextBody: () =>
        JSON.stringify({
          to: lvNumber(counter++ % 10_000_000),
          text: `Your code is ${100_000 + (counter % 900_000)}`,
        }),
    };
    await load({ ...native, durationSec: WARMUP_SEC });
    const httpCpuBefore = cpuSeconds(server.pid);
    const http = await load({ ...native, durationSec: DURATION_SEC });
    const httpCpu = cpuSeconds(server.pid) - httpCpuBefore;
    const figures = {
      submitsPerSec: Math.round(accepted / seconds),
      httpPerSec: Math.round(http.okPerSec),
      httpP99Ms: http.p99Ms,
      httpCpuMsPerMessage: round((httpCpu * 1000) / Math.max(1, http.ok), 3),
      p50Ms: round(percentile(latencies, 50), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      serverCpuMsPerSubmit: round((cpu * 1000) / Math.max(1, accepted), 3),
      refused: Object.fromEntries(
        [...statuses].filter(([s]) => s !== 0).map(([s, n]) => [`0x${s.toString(16)}`, n]),
      ),
      peakRssMb: server.peakRssMb(),
    };
    log(`smpp-server round ${index + 1} ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    await server.stop();
  }
}

const rounds = [];
for (let i = 0; i < ROUNDS; i++) rounds.push(await round_(i));
const idle = IDLE_BINDS > 0 ? await idleBinds(IDLE_BINDS) : null;
printResult({
  bench: 'smpp-server',
  binds: BINDS,
  window: WINDOW,
  rounds: rounds.length,
  submitsPerSec: median(rounds.map((r) => r.submitsPerSec)),
  p50Ms: median(rounds.map((r) => r.p50Ms)),
  p99Ms: median(rounds.map((r) => r.p99Ms)),
  serverCpuMsPerSubmit: median(rounds.map((r) => r.serverCpuMsPerSubmit)),
  smppOverHttp: round(median(rounds.map((r) => r.submitsPerSec / r.httpPerSec)), 2),
  httpCpuMsPerMessage: median(rounds.map((r) => r.httpCpuMsPerMessage)),
  perRound: rounds,
  idle,
  target: { submitsPerSec: 5000, p99Ms: 50, idleBinds: 1000, idleRssMb: 300 },
  machine: await machine(),
});
