/**
 * Describe a workflow in plain words: the configured OpenAI-compatible provider (the same
 * client as `ai` phases, client.ts) is asked for a workflow definition matching the JSON
 * Schema derived from the definition language (definitions/schema.ts), and the answer is
 * checked by the same validator a save uses (definitions/validate.ts), with the space's
 * people:
 *
 *   call → answer valid? done
 *        → else ONE repair call (the previous answer and its problems by path) → valid? done
 *        → else the problems of the last answer.
 *
 * The model cannot know who is in the space, so the prompt lists the space's people (id,
 * name, email, role) and its statuses; approvers and member recipients are picked from that
 * list and checked like any saved definition (a made-up id is a problem). Nothing is saved:
 * the caller shows the definition to a person for review. Usage and cost are counted as in
 * `ai` phases (budget.ts, pricing.ts) and answered to the caller.
 */
import { z } from 'zod';
import { Budget } from './budget.js';
import { AiProviderError, chatCompletion, type AiErrorKind, type ChatMessage, type TokenUsage } from './client.js';
import { validateDefinition, workflowDefinitionSchema, type Problem, type ValidationContext, type WorkflowDefinition } from '../definitions/index.js';

/** The longest description accepted, in characters. */
export const MAX_DESCRIPTION_CHARS = 2000;
/** At most this many people are listed to the model (the first by name); more would crowd the prompt. */
export const MAX_PEOPLE_IN_PROMPT = 200;
/** Each call may take this long: someone is waiting in the builder. */
export const DESCRIBE_TIMEOUT_MS = 60_000;
/** The first answer and at most one repair. */
const MAX_CALLS = 2;
const MAX_PROBLEMS_IN_REPAIR = 30;

export interface SpacePerson {
  id: string;
  name: string;
  email: string;
  /** "editor" or "viewer" in the space, or "org owner" / "org admin" for the org's admins outside it. */
  role: string;
}

export interface DescribeTask {
  provider: { baseUrl: string; apiKey?: string };
  model: string;
  description: string;
  space: { name: string; statuses: readonly string[] };
  people: readonly SpacePerson[];
  /** The space's membership, as when a workflow is saved. */
  ctx: ValidationContext;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface DescribeSpend {
  model: string;
  usage: TokenUsage;
  costUsd: number;
  /** Requests sent to the provider: 1, or 2 with the repair. */
  calls: number;
}

export type DescribeResult = DescribeSpend &
  (
    | { ok: true; definition: WorkflowDefinition; repaired: boolean }
    /** Still invalid after the repair: the problems of the last answer, and that answer when it was a JSON object. */
    | { ok: false; reason: 'invalid'; problems: Problem[]; definition: Record<string, unknown> | null }
    | { ok: false; reason: 'provider'; kind: AiErrorKind; message: string }
  );

let cachedSchema: Record<string, unknown> | null = null;

/** The definition language as JSON Schema (what a request body must be), derived once. */
export function definitionJsonSchema(): Record<string, unknown> {
  cachedSchema ??= z.toJSONSchema(workflowDefinitionSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return cachedSchema;
}

function personLine(p: SpacePerson): string {
  return `- ${p.id}: ${oneLine(p.name)} <${oneLine(p.email)}>, ${p.role}`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export function describeSystemMessage(space: DescribeTask['space'], people: readonly SpacePerson[]): string {
  const listed = people.slice(0, MAX_PEOPLE_IN_PROMPT);
  return [
    'You write workflow definitions for Flowgate, a workflow engine for content teams. The user describes a workflow in plain words; you answer with its definition.',
    '',
    'Rules:',
    '- Answer with JSON only: one JSON object matching the JSON Schema at the end, with no prose before or after it and no Markdown code fence.',
    '- Give the workflow a short name. Phase ids are short lowercase words (letters, digits, "_" and "-"), unique; "end" is reserved. Give each phase a "name" people can read.',
    '- Phases run in order; "next", "onDeny": {"goto": …} and condition "then"/"else" may only jump forward, to a later phase id or "end".',
    '- People of the team (approvers, escalation, notify "members", task assignees) are named by user id, picked from the people listed below by name and role. Never invent a user id. When the description asks for people by role ("two editors"), pick that many people with that role.',
    '- Someone outside the team ("the client", "the agency") approves by email. When no address is given, use a placeholder such as client@example.com; the user replaces it before saving.',
    '- Durations are written like "30m", "2h", "2d". "Auto-deny after 2 days" is an approval timeout {"after": "2d", "action": "deny"}.',
    `- This space's statuses, in order: ${space.statuses.map((s) => JSON.stringify(s)).join(', ') || '(none)'}. Use them for status triggers and for "status" in mutate phases.`,
    '- When the description does not say what starts the workflow, use the trigger {"type": "manual"}.',
    '',
    `The space is ${JSON.stringify(oneLine(space.name))}. Its people (id: name <email>, role):`,
    ...(listed.length > 0 ? listed.map(personLine) : ['(nobody yet)']),
    ...(people.length > listed.length ? [`(and ${people.length - listed.length} more not listed)`] : []),
    '',
    'The JSON Schema of a workflow definition:',
    JSON.stringify(definitionJsonSchema()),
  ].join('\n');
}

export function describeRepairMessage(problems: readonly Problem[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS_IN_REPAIR).map((p) => `- ${p.path || '(the definition)'}: ${p.message}`);
  if (problems.length > shown.length) shown.push(`- and ${problems.length - shown.length} more`);
  return [`Your workflow definition has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}, by path:`, ...shown, 'Answer again with the whole corrected definition, as JSON only.'].join('\n');
}

/** Some models wrap JSON in a Markdown code fence even when asked not to. */
function stripFences(text: string): string {
  const m = /^\s*```(?:json)?\s*\n?([\s\S]*?)\n?\s*```\s*$/i.exec(text);
  return m ? m[1]! : text;
}

function check(text: string, ctx: ValidationContext): { ok: true; definition: WorkflowDefinition } | { ok: false; problems: Problem[]; value: Record<string, unknown> | null } {
  let value: unknown;
  try {
    value = JSON.parse(stripFences(text));
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `is not valid JSON (${(err as Error).message})` }], value: null };
  }
  const result = validateDefinition(value, ctx);
  if (result.ok) return result;
  const obj = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  return { ok: false, problems: result.problems, value: obj };
}

export async function describeWorkflow(task: DescribeTask): Promise<DescribeResult> {
  const budget = new Budget({}, task.model);
  const messages: ChatMessage[] = [
    { role: 'system', content: describeSystemMessage(task.space, task.people) },
    { role: 'user', content: task.description },
  ];
  let calls = 0;
  const spend = (): DescribeSpend => ({ model: task.model, usage: { ...budget.used }, costUsd: budget.costUsd, calls });
  let last: { problems: Problem[]; value: Record<string, unknown> | null } = { problems: [], value: null };
  while (calls < MAX_CALLS) {
    const allowed = budget.allowance(messages);
    // No limits are set, so this always allows; it sets max_tokens and the prompt estimate.
    const maxTokens = allowed.ok ? allowed.maxTokens : undefined;
    const promptEstimate = allowed.ok ? allowed.promptEstimate : 0;
    let answer;
    try {
      calls++;
      answer = await chatCompletion({ ...task.provider, model: task.model, messages, maxTokens, signal: task.signal, timeoutMs: task.timeoutMs ?? DESCRIBE_TIMEOUT_MS });
    } catch (err) {
      if (!(err instanceof AiProviderError)) throw err;
      return { ok: false, reason: 'provider', kind: err.kind, message: err.message, ...spend() };
    }
    // Without reported usage, count the estimate, as ai phases do.
    const completion = Math.ceil(answer.content.length / 4);
    budget.add(answer.usage ?? { promptTokens: promptEstimate, completionTokens: completion, totalTokens: promptEstimate + completion });
    const result = check(answer.content, task.ctx);
    if (result.ok) return { ok: true, definition: result.definition, repaired: calls > 1, ...spend() };
    last = result;
    messages.push({ role: 'assistant', content: answer.content }, { role: 'user', content: describeRepairMessage(result.problems) });
  }
  return { ok: false, reason: 'invalid', problems: last.problems, definition: last.value, ...spend() };
}
