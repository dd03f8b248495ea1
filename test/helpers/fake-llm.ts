/**
 * A local server speaking the OpenAI chat-completions protocol, for ai phase tests. It plays
 * back scripted answers in order and records every request it got (headers and body).
 * Nothing is mocked inside Flowgate: its client talks to this over real HTTP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  /** Default: the sum of the two. */
  total_tokens?: number;
}

export type ScriptedAnswer =
  /** A completion whose message content is `content` (a string, or a value sent as its JSON). */
  | { content: unknown; usage?: ScriptedUsage }
  /** An HTTP error answer. */
  | { status: number; body?: string };

export interface LlmRequest {
  headers: http.IncomingHttpHeaders;
  body: {
    model: string;
    messages: Array<{ role: string; content: string }>;
    response_format?: { type: string };
    max_tokens?: number;
  };
}

export interface FakeLlm {
  /** The base URL to configure: requests go to `${baseUrl}/chat/completions`. */
  baseUrl: string;
  requests: LlmRequest[];
  /** Replaces the queue of answers still to give, and forgets the requests seen so far. */
  script(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

const DEFAULT_USAGE: ScriptedUsage = { prompt_tokens: 50, completion_tokens: 10 };

export async function startFakeLlm(): Promise<FakeLlm> {
  const requests: LlmRequest[] = [];
  let queue: ScriptedAnswer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
        return;
      }
      let body: LlmRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'body is not JSON' } }));
        return;
      }
      requests.push({ headers: req.headers, body });
      const next = queue.shift();
      if (!next) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'the fake LLM has no scripted answer left' } }));
        return;
      }
      if ('status' in next) {
        res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body ?? JSON.stringify({ error: { message: 'scripted failure' } }));
        return;
      }
      const u = next.usage ?? DEFAULT_USAGE;
      const usage = { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens ?? u.prompt_tokens + u.completion_tokens };
      const content = typeof next.content === 'string' ? next.content : JSON.stringify(next.content);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script(...answers) {
      queue = [...answers];
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
