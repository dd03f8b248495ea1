/**
 * A phase execution's token and cost budget. Before each call, `allowance` says how many
 * completion tokens the call may ask for (its `max_tokens`) — or that no useful call fits;
 * after each call, `add` counts what the provider reported and `overrun` says whether a
 * limit was passed. The prompt is estimated at 4 characters a token (plus a few per
 * message), which is close for English and errs high for code-free prose.
 */
import type { ChatMessage, TokenUsage } from './client.js';
import { costUsd, priceFor, roundUsd } from './pricing.js';

export interface BudgetLimits {
  maxTokens?: number;
  maxCostUsd?: number;
}

/** The completion cap when no budget limits it. */
export const DEFAULT_MAX_COMPLETION_TOKENS = 4096;
/** Below this, a completion cannot hold a useful JSON answer: the call is not made. */
export const MIN_COMPLETION_TOKENS = 16;

export function estimateTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + Math.ceil(m.content.length / 4) + 4, 0);
}

export class Budget {
  readonly used: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  costUsd = 0;

  constructor(
    readonly limits: BudgetLimits,
    readonly model: string,
  ) {}

  allowance(messages: readonly ChatMessage[]): { ok: true; maxTokens: number; promptEstimate: number } | { ok: false; message: string } {
    const promptEstimate = estimateTokens(messages);
    let maxTokens = DEFAULT_MAX_COMPLETION_TOKENS;
    const { maxTokens: tokenLimit, maxCostUsd } = this.limits;
    if (tokenLimit !== undefined) {
      const left = tokenLimit - this.used.totalTokens - promptEstimate;
      if (left < MIN_COMPLETION_TOKENS) {
        return {
          ok: false,
          message: `The token budget (maxTokens ${tokenLimit}) is too small for this call: ${this.used.totalTokens} used so far, the prompt needs about ${promptEstimate} and the answer at least ${MIN_COMPLETION_TOKENS}. The model was not called.`,
        };
      }
      maxTokens = Math.min(maxTokens, left);
    }
    if (maxCostUsd !== undefined) {
      const price = priceFor(this.model);
      const leftUsd = maxCostUsd - this.costUsd - (promptEstimate * price.input) / 1_000_000;
      const byCost = price.output > 0 ? Math.floor((leftUsd * 1_000_000) / price.output) : Number.POSITIVE_INFINITY;
      if (byCost < MIN_COMPLETION_TOKENS) {
        return {
          ok: false,
          message: `The cost budget (maxCostUsd ${maxCostUsd}) is too small for this call on ${this.model}: $${roundUsd(this.costUsd)} spent so far, and the prompt of about ${promptEstimate} tokens plus an answer of at least ${MIN_COMPLETION_TOKENS} would pass it. The model was not called.`,
        };
      }
      maxTokens = Math.min(maxTokens, byCost);
    }
    return { ok: true, maxTokens, promptEstimate };
  }

  add(usage: TokenUsage) {
    this.used.promptTokens += usage.promptTokens;
    this.used.completionTokens += usage.completionTokens;
    this.used.totalTokens += usage.totalTokens;
    this.costUsd = roundUsd(this.costUsd + costUsd(this.model, usage));
  }

  /** Why the spending so far passes a limit, or null. */
  overrun(): string | null {
    const { maxTokens, maxCostUsd } = this.limits;
    if (maxTokens !== undefined && this.used.totalTokens > maxTokens) {
      return `The model used ${this.used.totalTokens} tokens, more than the budget's maxTokens ${maxTokens}.`;
    }
    if (maxCostUsd !== undefined && this.costUsd > maxCostUsd) {
      return `The calls cost $${this.costUsd} on ${this.model}, more than the budget's maxCostUsd ${maxCostUsd}.`;
    }
    return null;
  }
}
