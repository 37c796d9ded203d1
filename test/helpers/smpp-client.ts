import type { FastifyInstance } from 'fastify';
import smpp from 'smpp';

// biome-ignore lint/suspicious/noExplicitAny: the package is untyped beyond our small declaration
const smppPackage = smpp as any;

/** A client of the SMPP server on the `smpp` npm package (an independent codec). */
export interface SmppTestClient {
  session: smpp.Session;
  /** Every deliver_sm received, in order (each answered with ESME_ROK unless told to ignore it). */
  delivered: smpp.PDU[];
  /** Sends a request (`bind_transceiver`, `submit_sm`, …) and resolves with its response. */
  request(command: string, fields: Record<string, unknown>): Promise<smpp.PDU>;
  close(): void;
}

/**
 * Connects to `url` (`smpp://…`, or `ssmpp://…` for TLS; other `tls.connect` options go with it) and
 * answers deliver_sm PDUs, leaving the first `ignoreFirst` unanswered (a client that does not answer).
 */
export async function connectSmpp(
  url: string,
  options: { ignoreFirst?: number; rejectUnauthorized?: boolean } = {},
): Promise<SmppTestClient> {
  let ignore = options.ignoreFirst ?? 0;
  const tls = url.startsWith('ssmpp:');
  const session: smpp.Session = smppPackage.connect({
    url,
    ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }),
  });
  await new Promise<void>((resolve, reject) => {
    session.once(tls ? 'secureConnect' : 'connect', () => resolve());
    session.once('error', reject);
  });
  session.on('error', () => {});
  const delivered: smpp.PDU[] = [];
  session.on('deliver_sm' as 'pdu', (pdu: smpp.PDU) => {
    delivered.push(pdu);
    if (ignore > 0) ignore--;
    else session.send(pdu.response());
  });
  return {
    session,
    delivered,
    request: (command, fields) =>
      new Promise<smpp.PDU>((resolve) => {
        // biome-ignore lint/suspicious/noExplicitAny: the command is named at run time
        (session as any)[command](fields, resolve);
      }),
    close: () => session.destroy(),
  };
}

/** Makes an SMPP credential with a signed-in session's headers; throws unless 201. */
export async function createSmppCredential(
  app: FastifyInstance,
  headers: Record<string, string>,
  body: object = {},
): Promise<{ id: string; systemId: string; password: string }> {
  const r = await app.inject({ method: 'POST', url: '/v1/smpp/credentials', headers, payload: body });
  if (r.statusCode !== 201) throw new Error(`SMPP credential: ${r.statusCode} ${r.body}`);
  return r.json();
}
