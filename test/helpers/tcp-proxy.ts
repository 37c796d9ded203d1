import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server (PostgreSQL, say), for tests that take the server away
 * without touching it: `down()` resets every open connection and refuses new ones (as a server that
 * stopped or restarted does), `pause()` holds the traffic instead (as a network that drops every packet
 * does), `up()` brings it back.
 */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted since start. */
  readonly accepted: number;
  down(): void;
  pause(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'up' | 'down' | 'paused' = 'up';
  let accepted = 0;
  const pairs = new Set<{ client: net.Socket; server: net.Socket }>();
  // Connections that arrived while paused: connected to the target only once the proxy is up again.
  const held: net.Socket[] = [];

  const connect = (client: net.Socket) => {
    const server = net.connect(target.port, target.host);
    const pair = { client, server };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', drop);
    server.on('error', drop);
    client.on('close', drop);
    server.on('close', drop);
    client.pipe(server);
    server.pipe(client);
    client.resume();
  };

  const listener = net.createServer({ pauseOnConnect: true }, (client) => {
    accepted++;
    if (mode === 'down') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'paused') {
      client.on('error', () => undefined);
      held.push(client);
      return;
    }
    connect(client);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;

  const proxy: TcpProxy = {
    port,
    get accepted() {
      return accepted;
    },
    down() {
      mode = 'down';
      for (const socket of held.splice(0)) socket.resetAndDestroy();
      for (const { client, server } of [...pairs]) {
        client.resetAndDestroy();
        server.destroy();
      }
      pairs.clear();
    },
    pause() {
      mode = 'paused';
      for (const { client, server } of pairs) {
        // Unpiped first: a pipe resumes its source on its own when the destination drains.
        client.unpipe(server);
        server.unpipe(client);
        client.pause();
        server.pause();
      }
    },
    up() {
      const wasPaused = mode === 'paused';
      mode = 'up';
      if (wasPaused) {
        for (const { client, server } of pairs) {
          client.pipe(server);
          server.pipe(client);
        }
      }
      for (const socket of held.splice(0)) if (!socket.destroyed) connect(socket);
    },
    async close() {
      proxy.down();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
  return proxy;
}
