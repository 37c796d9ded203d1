import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { RouteError } from '../../src/modules/route-port';
import { message, recorder, route, simulator, waitFor } from './helpers';

/** A bare SMPP header (command_length 16). */
function header(commandId: number, sequence: number, status = 0, length = 16): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(length, 0);
  bytes.writeUInt32BE(commandId, 4);
  bytes.writeUInt32BE(status, 8);
  bytes.writeUInt32BE(sequence, 12);
  return bytes;
}

async function failure(promise: Promise<unknown>): Promise<RouteError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RouteError);
  return error as RouteError;
}

describe('command_status mapping (SMPP 3.4 §5.1.3 → normalised failure codes)', () => {
  it.each([
    ['ESME_RTHROTTLED', 0x58, 'throttled', true],
    ['ESME_RMSGQFUL', 0x14, 'throttled', true],
    ['ESME_RSYSERR', 0x08, 'carrier_error', true],
    ['ESME_RX_T_APPN', 0x64, 'carrier_error', true],
    ['ESME_RINVBNDSTS', 0x04, 'unreachable', true],
    ['ESME_RINVPASWD', 0x0e, 'auth_failed', true],
    ['ESME_RINVDSTADR', 0x0b, 'invalid_destination', false],
    ['ESME_RINVDSTTON', 0x50, 'invalid_destination', false],
    ['ESME_RINVSRCADR', 0x0a, 'invalid_sender', false],
    ['ESME_RINVMSGLEN', 0x01, 'invalid_message', false],
    ['ESME_RSUBMITFAIL', 0x45, 'rejected_by_carrier', false],
    ['ESME_RX_R_APPN', 0x66, 'rejected_by_carrier', false],
    // A vendor-specific status (0x400–0x4FF) is a permanent refusal, its number kept as the carrier code.
    ['SMPP_0x00000401', 0x401, 'rejected_by_carrier', false],
  ] as const)('%s → %s (retryable: %s)', async (carrierCode, status, code, retryable) => {
    const sim = await simulator({ failWith: () => status });
    const smpp = await route(sim);
    const error = await failure(smpp.send(message()));
    expect(error).toMatchObject({ retryable, code, carrierCode });
    expect(error.message).toContain(carrierCode);
    expect(smpp.health().errorsLastMinute).toBe(1);
    expect(smpp.health().lastError).toContain(carrierCode);
  });

  it('throttling fails the message as retryable and pauses the bind briefly', async () => {
    const sim = await simulator({ throttleEvery: 1 });
    const smpp = await route(sim);
    const error = await failure(smpp.send(message()));
    expect(error).toMatchObject({ retryable: true, code: 'throttled', carrierCode: 'ESME_RTHROTTLED' });

    sim.setBehaviour({ throttleEvery: 0 });
    await smpp.send(message());
    expect(sim.submits).toHaveLength(2);
    expect(sim.submits[1]!.at - sim.submits[0]!.at).toBeGreaterThanOrEqual(90);
  });

  it('fails only the throttled part of a burst, the rest go through', async () => {
    const sim = await simulator({ throttleEvery: 4 });
    const smpp = await route(sim, { window: 20 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => smpp.send(message())));
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(2);
    for (const r of rejected)
      expect(r.reason).toMatchObject({ retryable: true, code: 'throttled', carrierCode: 'ESME_RTHROTTLED' });
  });
});

describe('binds and connections', () => {
  it('retries a refused bind with growing backoff, reports 0 binds and fails sends as retryable', async () => {
    const sim = await simulator();
    const smpp = await route(sim, { password: 'wrong', submitTimeoutMs: 1_000 });
    expect(smpp.health()).toMatchObject({ connectedBinds: 0 });
    expect(smpp.health().lastError).toContain('ESME_RBINDFAIL');

    const error = await failure(smpp.send(message()));
    // The refusal names the credentials: auth_failed (retryable, so another route may take the message).
    expect(error).toMatchObject({ retryable: true, code: 'auth_failed', carrierCode: 'ESME_RBINDFAIL' });

    await waitFor(() => sim.binds.length >= 4, { timeoutMs: 8_000, what: 'four bind attempts' });
    const attempts = sim.binds.map((bind) => bind.at);
    expect(sim.binds.every((bind) => !bind.ok)).toBe(true);
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
    expect(gaps[0]!).toBeGreaterThanOrEqual(200);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThanOrEqual(gaps[i - 1]! - 50);
    expect(gaps[2]!).toBeGreaterThanOrEqual(900);
    expect(smpp.health().connectedBinds).toBe(0);
    expect(sim.submits).toHaveLength(0);
  });

  it('times out submits as retryable when the SMSC stops answering mid-window', async () => {
    const sim = await simulator();
    const smpp = await route(sim, { window: 5, submitTimeoutMs: 1_000 });
    await smpp.send(message());
    sim.setBehaviour({ respond: false });
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => smpp.send(message())));
    const elapsed = performance.now() - started;
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toMatchObject({
        retryable: true,
        code: 'timeout',
        carrierCode: null,
      });
    }
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(sim.submits).toHaveLength(9);
    expect(smpp.health().inFlight).toBe(0);

    // A whole window of timeouts gets the bind re-established; it works again once the SMSC answers.
    expect(sim.binds.length).toBe(2);
    sim.setBehaviour({ respond: true });
    await expect(smpp.send(message())).resolves.toMatchObject({ carrierRef: expect.any(String) });
  });

  it('fails all 50 in-flight sends at once on a connection reset and recovers by itself', async () => {
    const sim = await simulator({ respond: false, dropAfter: 50 });
    const smpp = await route(sim, { window: 50, submitTimeoutMs: 30_000 });
    let settledAt = 0;
    const settled = Promise.allSettled(Array.from({ length: 50 }, () => smpp.send(message()))).then((all) => {
      settledAt = performance.now();
      return all;
    });
    await waitFor(() => sim.submits.length === 50, { what: '50 submits' });
    const droppedAt = sim.submits[49]!.at;
    const results = await settled;
    // The reset fails them at once, not after the 30 s submit timeout.
    expect(settledAt - droppedAt).toBeLessThan(2_000);
    for (const result of results) {
      expect((result as PromiseRejectedResult).reason).toMatchObject({
        retryable: true,
        code: 'unreachable',
      });
    }
    expect(smpp.health()).toMatchObject({ inFlight: 0 });

    sim.setBehaviour({ respond: true });
    await waitFor(() => smpp.health().connectedBinds === 1, { what: 'rebind' });
    const later = await Promise.all(Array.from({ length: 5 }, () => smpp.send(message())));
    expect(later.every((result) => result.carrierRef !== '')).toBe(true);
  });

  it('answers malformed and unknown PDUs without crashing, and survives a broken stream', async () => {
    const sim = await simulator();
    const smpp = await route(sim);
    const binds = sim.binds.length;

    sim.sendRaw(header(0x00000099, 4242)); // unknown command
    const truncated = header(0x00000005, 4243, 0, 20); // deliver_sm whose fields run past its end
    sim.sendRaw(Buffer.concat([truncated, Buffer.from('abcd')]));
    sim.sendRaw(header(0x80000004, 999_999)); // submit_sm_resp nobody waits for
    sim.sendRaw(header(0x00000015, 4244)); // enquire_link
    await waitFor(() => sim.received.filter((pdu) => pdu.sequence >= 4242).length === 3, {
      what: 'answers to raw PDUs',
    });
    const answers = sim.received.filter((pdu) => pdu.sequence >= 4242);
    expect(answers).toEqual([
      expect.objectContaining({ command: 'generic_nack', sequence: 4242, status: 0x03 }),
      expect.objectContaining({ command: 'generic_nack', sequence: 4243, status: 0x02 }),
      expect.objectContaining({ command: 'enquire_link_resp', sequence: 4244 }),
    ]);
    await expect(smpp.send(message())).resolves.toBeDefined();

    // An impossible command_length cannot be resynchronised: the route drops the connection and binds again.
    sim.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1]));
    await waitFor(() => sim.binds.length > binds && smpp.health().connectedBinds === 1, { what: 'rebind' });
    await expect(smpp.send(message())).resolves.toBeDefined();
    expect(smpp.health().lastError).toContain('command_length');
  });

  it('answers an unbind from the SMSC and binds again', async () => {
    const sim = await simulator();
    const smpp = await route(sim);
    sim.sendRaw(header(0x00000006, 5000));
    await waitFor(() => sim.received.some((pdu) => pdu.command === 'unbind_resp' && pdu.sequence === 5000), {
      what: 'unbind_resp',
    });
    await waitFor(() => sim.binds.length === 2 && smpp.health().connectedBinds === 1, { what: 'rebind' });
    await expect(smpp.send(message())).resolves.toBeDefined();
  });

  it('sends enquire_link at the configured interval', async () => {
    const sim = await simulator();
    await route(sim, { enquireLinkSeconds: 0.2 });
    await waitFor(() => sim.received.filter((pdu) => pdu.command === 'enquire_link').length >= 3, {
      what: 'enquire_links',
    });
  });

  it('works with transmitter + receiver pairs', async () => {
    const sim = await simulator();
    const events = recorder();
    const smpp = await route(sim, { bindMode: 'transmitter_receiver', binds: 2 }, events);
    expect(smpp.health().connectedBinds).toBe(4);
    expect(sim.binds.map((bind) => bind.command).sort()).toEqual([
      'bind_receiver',
      'bind_receiver',
      'bind_transmitter',
      'bind_transmitter',
    ]);
    const results = await Promise.all(Array.from({ length: 6 }, () => smpp.send(message())));
    await waitFor(() => events.reports.length === 6, { what: 'receipts' });
    expect(new Set(events.reports.map((report) => report.carrierRef))).toEqual(
      new Set(results.map((result) => result.carrierRef)),
    );
    await sim.sendMo('+447911123456', '12345', 'YES');
    expect(events.inbound).toEqual([expect.objectContaining({ text: 'YES' })]);
  });

  it('stops cleanly: unbinds and rejects later sends', async () => {
    const sim = await simulator();
    const smpp = await route(sim);
    await smpp.send(message());
    await smpp.stop();
    expect(sim.received.some((pdu) => pdu.command === 'unbind')).toBe(true);
    expect(smpp.health().connectedBinds).toBe(0);
    await expect(smpp.send(message())).rejects.toMatchObject({ retryable: true, code: 'unreachable' });
    await smpp.stop();
  });
});
