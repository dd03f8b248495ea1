/**
 * `flowgate approve`, `flowgate deny` and `flowgate approvals`: decide an approval gate as
 * the signed-in approver, and list a run's gates with every decision (docs/API.md "Approvals").
 * Same conventions as `flowgate runs …`: the server is `--url` or FLOWGATE_URL (default
 * http://127.0.0.1:3000), the token `--token` or FLOWGATE_TOKEN; `--json` prints the API's
 * answer; an error prints the API's message and exits 1.
 */
import type { Command } from 'commander';
import { act, connectionOptions, type ConnOpts } from './command.js';
import { table } from './runs.js';
import type { components } from '../../web/src/api-types.js';

/** A gate as the API answers it (generated from the OpenAPI document: web/src/api-types.ts). */
export type GateView = components['schemas']['Gate'];
export type DecisionView = GateView['decisions'][number];
export type Approver = DecisionView['approver'];

// ---------------------------------------------------------------------------------------
// Formatting (pure, exported for tests)

export function approverName(a: Approver): string {
  return 'userId' in a ? `user:${a.userId}` : `email:${a.email}`;
}

function time(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** "1 of 2 approvals", counting only decisions that still count. */
export function gateProgress(g: GateView): string {
  const counting = g.decisions.filter((d) => d.counts);
  const approvals = counting.filter((d) => d.decision === 'approve').length;
  const denials = counting.length - approvals;
  const approvers = g.approvers?.length;
  const need = g.required === 'any' ? 1 : g.required === 'all' ? approvers : g.required;
  const of = need === undefined || need === null ? '' : ` of ${need}`;
  return `${approvals}${of} approval${need === 1 ? '' : 's'}, ${denials} denial${denials === 1 ? '' : 's'}`;
}

function requiredLabel(r: GateView['required']): string {
  if (r === null) return '?';
  return typeof r === 'number' ? `${r}` : r;
}

export function formatGate(g: GateView): string {
  const lines = [`Gate ${g.phaseId}${g.attempt && g.attempt > 1 ? ` (attempt ${g.attempt})` : ''}: ${g.status} — required ${requiredLabel(g.required)}; ${gateProgress(g)}`];
  if (g.decisions.length) {
    const rows = g.decisions.map((d) => [
      approverName(d.approver),
      d.decision,
      d.via,
      d.targetVersion === null ? '—' : `v${d.targetVersion}`,
      d.counts ? 'yes' : 'no (target changed)',
      time(d.at),
      d.comment ?? '',
    ]);
    lines.push(...table(['APPROVER', 'DECISION', 'VIA', 'TARGET', 'COUNTS', 'AT', 'COMMENT'], rows).split('\n').map((l) => `  ${l}`));
  } else {
    lines.push('  (no decision yet)');
  }
  if (g.status === 'waiting' && g.approvers) {
    const decided = new Set(g.decisions.filter((d) => d.counts).map((d) => approverName(d.approver)));
    const pending = g.approvers.map(approverName).filter((a) => !decided.has(a));
    if (pending.length) lines.push(`  waiting on: ${pending.join(', ')}`);
  }
  return lines.join('\n');
}

export function formatGates(runId: string, gates: GateView[]): string {
  if (!gates.length) return `Run ${runId} has not reached an approval gate.`;
  return gates.map(formatGate).join('\n\n');
}

// ---------------------------------------------------------------------------------------
// Commands


const enc = encodeURIComponent;

function decisionCommand(program: Command, decision: 'approve' | 'deny') {
  const verb = decision === 'approve' ? 'Approved' : 'Denied';
  connectionOptions(program.command(decision).argument('<run>', 'run id').argument('<phase>', 'the id of the waiting approval phase'))
    .description(decision === 'approve' ? 'approve a waiting approval gate as one of its approvers' : 'deny a waiting approval gate as one of its approvers')
    .option('--comment <text>', 'a comment recorded with the decision')
    .option('--json', 'print the API answer (the gate) as JSON')
    .action(
      act(async (client, opts, runId, phaseId) => {
        const body: Record<string, unknown> = { decision };
        if (opts.comment !== undefined) body.comment = opts.comment;
        const gate = await client.post<GateView>(`/api/runs/${enc(runId)}/phases/${enc(phaseId)}/decision`, body);
        if (opts.json) return console.log(JSON.stringify(gate, null, 2));
        const after = gate.status === 'waiting' ? 'the gate still waits' : gate.status === 'approved' ? 'the gate is approved; the run moves on' : gate.status === 'denied' ? 'the gate is denied' : `the gate is ${gate.status}`;
        console.log(`${verb} gate ${phaseId} of run ${runId}: ${after} (${gateProgress(gate)}).`);
      }),
    );
}

export function registerApprovalCommands(program: Command): void {
  decisionCommand(program, 'approve');
  decisionCommand(program, 'deny');
  connectionOptions(program.command('approvals').argument('<run>', 'run id'))
    .description("a run's approval gates: status, what is required, and every decision (who, via, on which target version, whether it still counts)")
    .option('--json', 'print the API answer as JSON')
    .action(
      act(async (client, opts, runId) => {
        const page = await client.get<{ items: GateView[] }>(`/api/runs/${enc(runId)}/approvals`);
        console.log(opts.json ? JSON.stringify(page, null, 2) : formatGates(runId, page.items));
      }),
    );
}
