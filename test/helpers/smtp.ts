/** Test doubles that speak real protocols: an SMTP server on loopback and a tiny MIME reader. */
import net from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
export { until } from './wait.js';

export interface Received {
  to: string[];
  raw: string;
}

export interface TestSmtp {
  port: number;
  messages: Received[];
  rcptAttempts: Array<{ to: string; at: number }>;
  url: string;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback. `refuse(to, n)` decides the reply to RCPT TO for the
 * n-th attempt (1-based) at that address: null accepts, a number refuses with that code.
 */
export async function startSmtp(opts: { port?: number; refuse?: (to: string, n: number) => number | null } = {}): Promise<TestSmtp> {
  const messages: Received[] = [];
  const rcptAttempts: Array<{ to: string; at: number }> = [];
  const counts = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, cb: (err?: Error | null) => void) {
      const n = (counts.get(address.address) ?? 0) + 1;
      counts.set(address.address, n);
      rcptAttempts.push({ to: address.address, at: Date.now() });
      const code = opts.refuse?.(address.address, n) ?? null;
      if (code === null) return cb();
      cb(Object.assign(new Error(code >= 500 ? 'No such mailbox here' : 'Try again later'), { responseCode: code }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    port,
    messages,
    rcptAttempts,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nobody listens on (right now). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

export interface MimePart {
  headers: Record<string, string>;
  body: string;
}

/** Just enough MIME: the headers of the message and its decoded leaf parts. */
export function parseMime(raw: string): { headers: Record<string, string>; parts: MimePart[] } {
  const split = (chunk: string): MimePart => {
    const i = chunk.indexOf('\r\n\r\n');
    const head = chunk.slice(0, i).replace(/\r\n[ \t]+/g, ' ');
    const headers: Record<string, string> = {};
    for (const line of head.split('\r\n')) {
      const c = line.indexOf(':');
      if (c > 0) headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
    }
    let body = chunk.slice(i + 4);
    const enc = (headers['content-transfer-encoding'] ?? '').toLowerCase();
    if (enc === 'quoted-printable') body = decodeQuotedPrintable(body);
    else if (enc === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
    return { headers, body };
  };
  const leaves = (part: MimePart): MimePart[] => {
    const boundary = /boundary="?([^";]+)"?/i.exec(part.headers['content-type'] ?? '')?.[1];
    if (!boundary || !/^multipart\//i.test(part.headers['content-type'] ?? '')) return [part];
    return part.body
      .split(`--${boundary}`)
      .slice(1, -1)
      .flatMap((p) => leaves(split(p.replace(/^\r\n/, ''))));
  };
  const top = split(raw);
  return { headers: top.headers, parts: leaves(top) };
}
