/**
 * Asks a model for a JSON answer that matches a JSON Schema, within a budget:
 *
 *   call → count usage → over budget? stop → answer valid? done
 *        → else ONE repair call (the previous answer and what is wrong with it) → valid? done
 *        → else `invalid_output`.
 *
 * Every call is preceded by a budget check that also sets the call's `max_tokens`, so a
 * budget too small for the prompt means the model is never called.
 */
import { Budget, type BudgetLimits } from './budget.js';
import { AiProviderError, chatCompletion, type ChatMessage, type TokenUsage } from './client.js';
import { answerChecker } from './output-schema.js';

export interface JsonTask {
  provider: { baseUrl: string; apiKey?: string };
  model: string;
  prompt: string;
  schema: Record<string, unknown>;
  budget?: BudgetLimits;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type JsonTaskFailure = 'budget_exceeded' | 'invalid_output' | 'external_error' | 'timeout' | 'cancelled';

export interface JsonTaskSpend {
  usage: TokenUsage;
  costUsd: number;
  /** How many requests were sent to the provider (0, 1 or 2). */
  calls: number;
}

export type JsonTaskResult = ({ ok: true; value: unknown } | { ok: false; code: JsonTaskFailure; message: string }) & JsonTaskSpend;

/** The repair round is one extra call at most. */
const MAX_CALLS = 2;

export function systemMessage(schema: Record<string, unknown>): string {
  return [
    'Answer with JSON only: a single JSON value, with no prose before or after it and no Markdown code fence.',
    'The JSON must match this JSON Schema:',
    JSON.stringify(schema, null, 2),
  ].join('\n');
}

export function repairMessage(errors: string): string {
  return `Your answer does not match the JSON Schema: ${errors}. Answer again with the corrected JSON only.`;
}

export async function askForJson(task: JsonTask): Promise<JsonTaskResult> {
  const check = answerChecker(task.schema);
  const budget = new Budget(task.budget ?? {}, task.model);
  const messages: ChatMessage[] = [
    { role: 'system', content: systemMessage(task.schema) },
    { role: 'user', content: task.prompt },
  ];
  let calls = 0;
  const spend = () => ({ usage: { ...budget.used }, costUsd: budget.costUsd, calls });
  const fail = (code: JsonTaskFailure, message: string): JsonTaskResult => ({ ok: false, code, message, ...spend() });

  let lastErrors = '';
  while (calls < MAX_CALLS) {
    const allowed = budget.allowance(messages);
    if (!allowed.ok) return fail('budget_exceeded', allowed.message);
    let answer;
    try {
      calls++;
      answer = await chatCompletion({ ...task.provider, model: task.model, messages, maxTokens: allowed.maxTokens, signal: task.signal, timeoutMs: task.timeoutMs });
    } catch (err) {
      if (!(err instanceof AiProviderError)) throw err;
      if (err.kind === 'aborted') return fail('cancelled', 'cancelled');
      return fail(err.kind === 'timeout' ? 'timeout' : 'external_error', err.message);
    }
    // Without reported usage, count the estimate: the prompt plus the answer at 4 characters a token.
    const completion = Math.ceil(answer.content.length / 4);
    budget.add(answer.usage ?? { promptTokens: allowed.promptEstimate, completionTokens: completion, totalTokens: allowed.promptEstimate + completion });
    const over = budget.overrun();
    if (over) return fail('budget_exceeded', over);
    const result = check(answer.content);
    if (result.ok) return { ok: true, value: result.value, ...spend() };
    lastErrors = result.errors;
    messages.push({ role: 'assistant', content: answer.content }, { role: 'user', content: repairMessage(result.errors) });
  }
  return fail('invalid_output', `The model's answer does not match the output schema, even after a request to correct it: ${lastErrors}`);
}
