/**
 * What a model costs, in USD per million tokens, for `maxCostUsd` budgets. Names match by
 * longest prefix ("gpt-4o-mini-2024-07-18" → "gpt-4o-mini"), after dropping a router's
 * "vendor/" prefix ("openai/gpt-4o" → "gpt-4o"). A model not listed is priced at
 * DEFAULT_PRICE, deliberately on the expensive side so a cost budget errs towards stopping
 * early. List prices as published by the vendors; they change, so treat costs as estimates.
 */
import type { TokenUsage } from './client.js';

export interface ModelPrice {
  /** USD per 1M prompt tokens. */
  input: number;
  /** USD per 1M completion tokens. */
  output: number;
}

export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4-turbo': { input: 10, output: 30 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
};

export const DEFAULT_PRICE: ModelPrice = { input: 5, output: 15 };

export function priceFor(model: string): ModelPrice & { known: boolean } {
  const name = model.toLowerCase().replace(/^.*\//, '');
  let best: string | null = null;
  for (const key of Object.keys(MODEL_PRICES)) {
    if (name.startsWith(key) && (best === null || key.length > best.length)) best = key;
  }
  return best ? { ...MODEL_PRICES[best]!, known: true } : { ...DEFAULT_PRICE, known: false };
}

/** Cost of `usage` on `model` in USD, rounded to 1e-8. */
export function costUsd(model: string, usage: Pick<TokenUsage, 'promptTokens' | 'completionTokens'>): number {
  const p = priceFor(model);
  return roundUsd((usage.promptTokens * p.input + usage.completionTokens * p.output) / 1_000_000);
}

export function roundUsd(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}
