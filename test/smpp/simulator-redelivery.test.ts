import { connect, type Socket } from 'node:net';
import smpp from 'smpp';
import { afterEach, describe, it } from 'vitest';
import { type SmscSimulator, startSmscSimulator } from '../../dev/smsc-simulator';

/** A raw SMPP client that reads PDUs and never answers them: a gateway about to die. */
class RawClient {
  readonly received: smpp.PDU[] = [];
  private buffer = Buffer.alloc(0);
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4) {
        const length = this.buffer.readUInt32BE(0);
        if (this.buffer.length < length) break;
        const pdu = smpp.PDU.fromBuffer(this.buffer.subarray(0, length));
        this.buffer = this.buffer.subarray(length);
        if (pdu) this.received.push(pdu);
      }
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  private sequence = 0;
  send(command: string, fields: smpp.PduOptions): void {
    const pdu = new smpp.PDU(command, fields);
    pdu.sequence_number = ++this.sequence;
    this.socket.write(pdu.toBuffer());
  }

  count(command: string): number {
    return this.received.filter((p) => p.command === command).length;
  }
}

async function until(what: string, predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SMSC simulator: receipts redelivered after the gateway dies', () => {
  let smsc: SmscSimulator | null = null;
  afterEach(async () => {
    await smsc?.stop();
  });

  it('keeps serving when every bind dies at once with receipts unanswered, and redelivers them on the next bind', async () => {
    smsc = await startSmscSimulator({ systemId: 'gw', password: 'secret1', redeliverReceipts: true });
    const clients = [await RawClient.open(smsc.port), await RawClient.open(smsc.port)];
    for (const c of clients) c.send('bind_transceiver', { system_id: 'gw', password: 'secret1' });
    await until('both binds', () => clients.every((c) => c.count('bind_transceiver_resp') === 1));
    for (const [i, c] of clients.entries()) {
      c.send('submit_sm', {
        source_addr: 'Shop',
        destination_addr: `3712000000${i}`,
        registered_delivery: 1,
        data_coding: 0,
        short_message: Buffer.from('hello'),
      });
    }
    // The receipts arrive and are never answered; then both connections die in the same moment.
    await until('both receipts', () => clients.reduce((n, c) => n + c.count('deliver_sm'), 0) === 2);
    for (const c of clients) c.socket.destroy();
    await new Promise((r) => setTimeout(r, 50));

    // The simulator still answers a bind at once (it used to spin forever handing the receipts to the
    // dying sessions), and the next bind gets both receipts again.
    const next = await RawClient.open(smsc.port);
    next.send('bind_transceiver', { system_id: 'gw', password: 'secret1' });
    await until('the new bind', () => next.count('bind_transceiver_resp') === 1, 2000);
    await until('the receipts again', () => next.count('deliver_sm') === 2, 2000);
    next.socket.destroy();
  });
});
