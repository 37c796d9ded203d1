/**
 * Types for the parts of `smpp` 0.5.1 (farhadi/node-smpp, CommonJS, no @types) that smsgate uses: the PDU
 * codec, the server and its sessions, and the status/constant tables. Field values of a PDU are keyed by
 * their SMPP names (`source_addr_ton`, `short_message`, ...), as in the library.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  namespace smpp {
    type PduValue =
      | string
      | number
      | Buffer
      | Date
      | null
      | undefined
      | PduValue[]
      | { [key: string]: unknown };
    type PduOptions = Record<string, PduValue>;

    class PDU {
      /** Builds a PDU to send: `new PDU('submit_sm', { ... })`. */
      constructor(command: string, options?: PduOptions);
      /** Decodes one complete PDU (throws on a malformed body). */
      constructor(buffer: Buffer);
      command: string;
      command_length: number;
      command_id: number;
      command_status: number;
      sequence_number: number;
      [field: string]: unknown;
      isResponse(): boolean;
      /** The matching `*_resp` (or `generic_nack` for an unknown command), with the same sequence number. */
      response(options?: PduOptions): PDU;
      toBuffer(): Buffer;
      static fromBuffer(buffer: Buffer): PDU | false;
      static maxLength: number;
    }

    interface Session extends EventEmitter {
      socket: Socket;
      server?: Server;
      /** Queues `pdu` (assigning a sequence number to requests); false when the socket is not writable. */
      send(pdu: PDU, responseCallback?: (response: PDU) => void, sendCallback?: (sent: PDU) => void): boolean;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
      pause(): void;
      resume(): void;
      on(event: 'pdu', listener: (pdu: PDU) => void): this;
      on(event: 'error', listener: (error: Error) => void): this;
      on(event: 'close' | 'connect' | 'secureConnect', listener: () => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }

    interface Server extends NetServer {
      sessions: Session[];
      on(event: 'session', listener: (session: Session) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }

    interface Consts {
      ESM_CLASS: Record<string, number>;
      MESSAGE_STATE: Record<string, number>;
      REGISTERED_DELIVERY: Record<string, number>;
      TON: Record<string, number>;
      NPI: Record<string, number>;
      ENCODING: Record<string, number>;
    }

    function createServer(options?: Record<string, unknown>, listener?: (session: Session) => void): Server;
    function createServer(listener?: (session: Session) => void): Server;
    /** Command status names to values, e.g. `ESME_RTHROTTLED: 0x58`. */
    const errors: Record<string, number>;
    const consts: Consts;
    const commands: Record<string, { id: number; command: string }>;
  }

  export = smpp;
}
