// A TCP proxy that makes a real network fault in front of a server (here the S3 server): in
// 'pass' it forwards bytes both ways; in 'http-503' it answers every connection's first request
// with `503 Service Unavailable` and closes; in 'reset' it cuts every connection at once; in 'hang'
// it accepts connections and never answers. Switching mode cuts the connections open so far, so
// that a client's kept-alive sockets meet the new mode too.
import { connect, createServer, type Server, type Socket } from 'node:net';

export type FaultMode = 'pass' | 'http-503' | 'reset' | 'hang';

export interface FaultProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  readonly mode: FaultMode;
  setMode(mode: FaultMode): void;
  /** Connections accepted per mode (how many requests met each fault). */
  accepted: Record<FaultMode, number>;
  close(): Promise<void>;
}

const RESPONSE_503 =
  'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

export function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const open = new Set<Socket>();
  const accepted: Record<FaultMode, number> = { pass: 0, 'http-503': 0, reset: 0, hang: 0 };
  let mode: FaultMode = 'pass';
  const server: Server = createServer((client) => {
    accepted[mode]++;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (mode === 'reset') return client.resetAndDestroy();
    if (mode === 'hang') return; // read nothing, answer nothing: only the client's timeout ends it
    if (mode === 'http-503') {
      client.once('data', () => client.end(RESPONSE_503));
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        get mode() {
          return mode;
        },
        setMode(m: FaultMode) {
          mode = m;
          for (const s of open) s.destroy();
        },
        accepted,
        close: () =>
          new Promise<void>((r) => {
            for (const s of open) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
