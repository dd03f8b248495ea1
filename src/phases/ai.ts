/**
 * `ai`: asks an LLM (the OpenAI-compatible provider in the server's configuration) for a JSON
 * answer matching the phase's `output` schema, within its budget; see src/ai/structured.ts.
 *
 * The phase's output is the model's JSON itself, so later phases read
 * `{{phases.<id>.output.caption}}`. What it took — model, token usage, estimated cost,
 * number of calls — is recorded in the execution's input, beside the rendered prompt.
 * Failures: `budget_exceeded`, `invalid_output` (after one repair attempt),
 * `external_error` (provider error, unreachable, or none configured), `timeout`.
 */
import { askForJson } from '../ai/structured.js';
import { renderTemplate, type AiPhase } from '../definitions/index.js';
import { failed, type PhaseHandler } from './types.js';

export const DEFAULT_AI_MODEL = 'gpt-4o-mini';

export const aiPhase: PhaseHandler<AiPhase> = {
  mode: 'io',
  async execute({ spec, scope, config, signal }) {
    const prompt = renderTemplate(spec.prompt, scope);
    const model = spec.model ?? config.ai?.model ?? DEFAULT_AI_MODEL;
    const base = { prompt, model, ...(spec.budget ? { budget: spec.budget } : {}) };
    const baseUrl = config.ai?.baseUrl;
    if (!baseUrl) {
      return failed('external_error', 'No AI provider is configured: set FLOWGATE_AI_BASE_URL (and FLOWGATE_AI_API_KEY) on the server, e.g. FLOWGATE_AI_BASE_URL=https://api.openai.com/v1.', base);
    }
    let result;
    try {
      result = await askForJson({ provider: { baseUrl, apiKey: config.ai?.apiKey }, model, prompt, schema: spec.output, budget: spec.budget, signal });
    } catch (err) {
      // Only a schema Ajv cannot compile gets here (it was checked when the workflow was saved).
      return failed('internal', `The output schema cannot be used: ${(err as Error).message}`, base);
    }
    const input = { ...base, usage: result.usage, costUsd: result.costUsd, calls: result.calls };
    if (result.ok) return { kind: 'succeeded', input, output: result.value };
    // `cancelled`: the engine ignores this result, the execution is no longer running.
    return failed(result.code === 'cancelled' ? 'internal' : result.code, result.message, input);
  },
};
