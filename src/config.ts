/**
 * Server configuration: command-line options win over environment variables, which win over
 * defaults. Every variable is documented in the README.
 */
import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  /** SQLite path or postgres:// URL; unset → SQLite file in dataDir. */
  db?: string;
  dataDir: string;
  smtpUrl?: string;
  /** Base of links in emails, e.g. https://flowgate.example.com */
  publicUrl: string;
  /** How long a login token lives. */
  tokenTtlMs: number;
  /** Job lease length; a crashed worker's jobs are taken over after this. */
  leaseMs: number;
  logLevel: string;
  relaxedDurability: boolean;
  /** Group commit: most transitions one worker commits in one transaction; 1 turns it off. */
  groupCommitMax: number;
  /**
   * Most `tx` phases a worker runs one after another in the transaction of the transition that
   * started them, instead of queueing a job for each; 0 queues every phase as a job.
   */
  inlinePhasesMax: number;
  /**
   * How long a client may take to send a request's headers, and the whole request; past it
   * the server answers 408 and closes the connection (a slow-loris client holds nothing).
   */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Embedded worker in `serve`. */
  worker: boolean;
  /** When set, GET /metrics requires `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** `flowgate worker` only: serve /metrics on this port (on `host`); unset → no metrics server. */
  metricsPort?: number;
  /** The OpenAI-compatible provider `ai` phases call; without a baseUrl they fail `external_error`. */
  ai?: AiConfig;
}

export interface AiConfig {
  /** e.g. https://api.openai.com/v1 — requests go to `${baseUrl}/chat/completions`. */
  baseUrl?: string;
  apiKey?: string;
  /** Used when an ai phase names no `model`; default gpt-4o-mini. */
  model?: string;
}

export function loadConfig(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const port = overrides.port ?? (env.PORT ? Number(env.PORT) : 3000);
  const host = overrides.host ?? env.HOST ?? '127.0.0.1';
  const cfg: Config = {
    port,
    host,
    db: overrides.db ?? (env.DATABASE_URL || undefined),
    dataDir: path.resolve(overrides.dataDir ?? env.FLOWGATE_DATA_DIR ?? './data'),
    smtpUrl: overrides.smtpUrl ?? (env.SMTP_URL || undefined),
    publicUrl: (overrides.publicUrl ?? env.FLOWGATE_PUBLIC_URL ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`).replace(/\/+$/, ''),
    tokenTtlMs: overrides.tokenTtlMs ?? 30 * 24 * 3600 * 1000,
    leaseMs: overrides.leaseMs ?? (env.FLOWGATE_LEASE_MS ? Number(env.FLOWGATE_LEASE_MS) : 30_000),
    logLevel: overrides.logLevel ?? env.LOG_LEVEL ?? 'info',
    relaxedDurability: overrides.relaxedDurability ?? env.FLOWGATE_SQLITE_SYNC === 'normal',
    groupCommitMax: overrides.groupCommitMax ?? (env.FLOWGATE_GROUP_COMMIT_MAX ? Number(env.FLOWGATE_GROUP_COMMIT_MAX) : 64),
    inlinePhasesMax: overrides.inlinePhasesMax ?? (env.FLOWGATE_INLINE_PHASES ? Number(env.FLOWGATE_INLINE_PHASES) : 16),
    headersTimeoutMs: overrides.headersTimeoutMs ?? (env.FLOWGATE_HEADERS_TIMEOUT_MS ? Number(env.FLOWGATE_HEADERS_TIMEOUT_MS) : 10_000),
    requestTimeoutMs: overrides.requestTimeoutMs ?? (env.FLOWGATE_REQUEST_TIMEOUT_MS ? Number(env.FLOWGATE_REQUEST_TIMEOUT_MS) : 30_000),
    worker: overrides.worker ?? true,
    metricsToken: overrides.metricsToken ?? (env.FLOWGATE_METRICS_TOKEN || undefined),
    metricsPort: overrides.metricsPort ?? (env.FLOWGATE_METRICS_PORT ? Number(env.FLOWGATE_METRICS_PORT) : undefined),
    ai: overrides.ai ?? aiFromEnv(env),
  };
  return cfg;
}

function aiFromEnv(env: NodeJS.ProcessEnv): AiConfig | undefined {
  const ai: AiConfig = {
    baseUrl: env.FLOWGATE_AI_BASE_URL || undefined,
    apiKey: env.FLOWGATE_AI_API_KEY || undefined,
    model: env.FLOWGATE_AI_MODEL || undefined,
  };
  return ai.baseUrl || ai.apiKey || ai.model ? ai : undefined;
}
