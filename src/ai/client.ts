/**
 * A minimal OpenAI-compatible chat-completions client: `POST {baseUrl}/chat/completions`
 * with `Authorization: Bearer <key>`, asking for a JSON object. Works with OpenAI and with
 * the many servers that speak the same protocol (Azure-style gateways, OpenRouter, vLLM,
 * Ollama, LiteLLM…). Failures are `AiProviderError`s whose `kind` says what went wrong.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ChatRequest {
  baseUrl: string;
  apiKey?: string;
  model: string;
  messages: ChatMessage[];
  /** The completion's token cap (`max_tokens`). */
  maxTokens?: number;
  /** Fires to stop the call (cancel/skip). */
  signal?: AbortSignal;
  /** Default 120 s for the whole exchange. */
  timeoutMs?: number;
}

export interface ChatAnswer {
  content: string;
  /** As the provider reported it; null when it reported none. */
  usage: TokenUsage | null;
  finishReason: string | null;
}

export type AiErrorKind = 'http' | 'unreachable' | 'timeout' | 'aborted' | 'malformed';

export class AiProviderError extends Error {
  constructor(
    readonly kind: AiErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AiProviderError';
  }
}

export const DEFAULT_AI_TIMEOUT_MS = 120_000;
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const EXCERPT_CHARS = 500;

export function chatCompletionsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/chat/completions`;
}

export async function chatCompletion(req: ChatRequest): Promise<ChatAnswer> {
  const url = chatCompletionsUrl(req.baseUrl);
  const timeoutMs = req.timeoutMs ?? DEFAULT_AI_TIMEOUT_MS;
  const timer = new AbortController();
  const handle = setTimeout(() => timer.abort(new Error('timeout')), timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timer.signal]) : timer.signal;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (req.apiKey) headers.authorization = `Bearer ${req.apiKey}`;
  const body = {
    model: req.model,
    messages: req.messages,
    response_format: { type: 'json_object' },
    ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
  };
  let status: number;
  let statusText: string;
  let text: string;
  try {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal, redirect: 'error' });
    status = res.status;
    statusText = res.statusText;
    text = await readText(res, MAX_ANSWER_BYTES);
  } catch (err) {
    if (err instanceof AiProviderError) throw err;
    if (req.signal?.aborted) throw new AiProviderError('aborted', 'The call was stopped.');
    if (timer.signal.aborted) throw new AiProviderError('timeout', `The AI provider at ${req.baseUrl} did not answer within ${Math.round(timeoutMs / 1000)}s.`);
    throw new AiProviderError('unreachable', `Could not reach the AI provider at ${req.baseUrl}: ${reason(err)}`);
  } finally {
    clearTimeout(handle);
  }
  if (status < 200 || status >= 300) {
    throw new AiProviderError('http', `The AI provider answered ${status}${statusText ? ` ${statusText}` : ''}: ${errorExcerpt(text)}`, status);
  }
  return parseAnswer(text);
}

function parseAnswer(text: string): ChatAnswer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AiProviderError('malformed', `The AI provider's answer is not JSON: ${excerpt(text)}`);
  }
  const choice = (json as { choices?: Array<{ message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown }> })?.choices?.[0];
  if (!choice || typeof choice !== 'object' || !choice.message) {
    throw new AiProviderError('malformed', `The AI provider's answer has no choices[0].message: ${excerpt(text)}`);
  }
  const m = choice.message;
  // A refusal has no content; it then fails the schema check like any other unusable answer.
  const content = typeof m.content === 'string' ? m.content : typeof m.refusal === 'string' ? m.refusal : '';
  return { content, usage: parseUsage((json as { usage?: unknown }).usage), finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null };
}

function parseUsage(u: unknown): TokenUsage | null {
  if (!u || typeof u !== 'object') return null;
  const { prompt_tokens: p, completion_tokens: c, total_tokens: t } = u as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
  const promptTokens = num(p);
  const completionTokens = num(c);
  const totalTokens = num(t);
  if (promptTokens === null && completionTokens === null && totalTokens === null) return null;
  return {
    promptTokens: promptTokens ?? 0,
    completionTokens: completionTokens ?? 0,
    totalTokens: totalTokens ?? (promptTokens ?? 0) + (completionTokens ?? 0),
  };
}

async function readText(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new AiProviderError('malformed', `The AI provider's answer is larger than ${limit} bytes.`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** The provider's own error message when it sends the usual `{error: {message}}`, else an excerpt. */
function errorExcerpt(text: string): string {
  try {
    const msg = (JSON.parse(text) as { error?: { message?: unknown } | string })?.error;
    if (typeof msg === 'string') return excerpt(msg);
    if (msg && typeof msg.message === 'string') return excerpt(msg.message);
  } catch {}
  return excerpt(text) || '(empty answer)';
}

function excerpt(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, EXCERPT_CHARS);
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code && cause.message && !cause.message.includes(cause.code)) return `${cause.code} ${cause.message}`;
  return cause?.message ?? cause?.code ?? (err instanceof Error ? err.message : String(err));
}
