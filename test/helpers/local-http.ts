/** A local HTTP server for tests that stand in for an outside service (loopback, a free port). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalHttp {
  url: string;
  close(): Promise<void>;
}

export async function listenLocal(handler: http.RequestListener): Promise<LocalHttp> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
