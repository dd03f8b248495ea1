/**
 * Lays a workflow's phases out for the canvas, without a layout library: one column, top to
 * bottom in definition order, and an End node below the last phase.
 *
 * Every exit of a phase is an edge: the default flow or `next`, an approval gate's approve
 * and deny paths, a condition's then and else. An exit to the phase right below is drawn
 * straight down (only one per phase: approve before deny, then before else); every other
 * exit is a jump and runs in a vertical lane beside the column — deny and else on the left,
 * the others on the right. Lanes are handed out like intervals on a line, so two jumps that
 * overlap in height never share a lane, and no edge crosses a node.
 *
 * The builder previews definitions that may be wrong (unknown or backward jumps, duplicate
 * ids): nodes are keyed by position, a jump to an unknown id is left out, and a backward jump
 * is drawn going up. None of this throws.
 */
import type { Edge, Node } from '@xyflow/react';
import { denyTarget, type Phase } from '../workflows';

export const NODE_W = 280;
export const NODE_H = 100;
export const END_W = 120;
export const END_H = 44;
export const ROW = NODE_H + 64;
const LANE_FIRST = 44;
const LANE_STEP = 34;

export type ExitKind = 'flow' | 'next' | 'approve' | 'deny' | 'then' | 'else';

export interface PhaseNodeData extends Record<string, unknown> {
  phase: Phase;
  status?: string;
}

export interface ExitEdgeData extends Record<string, unknown> {
  kind: ExitKind;
  /** The lane's x in flow coordinates; absent for an edge drawn straight down. */
  laneX?: number;
}

interface Exit {
  from: number;
  to: number;
  kind: ExitKind;
}

const LABELS: Record<ExitKind, string | undefined> = { flow: undefined, next: 'next', approve: 'approve', deny: 'deny', then: 'then', else: 'else' };
const LEFT: ReadonlySet<ExitKind> = new Set(['deny', 'else']);

/** The exits of phase `i`, in the order that decides which one may go straight down. */
function exitsOf(p: Phase, i: number, indexOf: (id: unknown) => number | undefined, last: number): Exit[] {
  const after = i + 1 > last ? last : i + 1;
  const go = (target: unknown, kind: ExitKind): Exit[] => {
    const to = target === undefined ? after : indexOf(target);
    return to === undefined ? [] : [{ from: i, to, kind }];
  };
  switch (p.type) {
    case 'approval':
      return [...go(p.next, 'approve'), ...go(denyTarget(p), 'deny')];
    case 'condition':
      return [...go(p.then ?? 'end', 'then'), ...go(p.else ?? 'end', 'else')];
    default:
      return go(p.next, p.next === undefined ? 'flow' : 'next');
  }
}

/** Gives each jump the innermost lane of its side that no overlapping jump already uses. */
function assignLanes(jumps: Exit[]): Map<Exit, number> {
  const lanes = new Map<Exit, number>();
  const taken: { lo: number; hi: number; lane: number; left: boolean }[] = [];
  const sorted = [...jumps].sort((a, b) => Math.abs(a.to - a.from) - Math.abs(b.to - b.from) || a.from - b.from);
  for (const e of sorted) {
    const left = LEFT.has(e.kind);
    const lo = Math.min(e.from, e.to);
    const hi = Math.max(e.from, e.to);
    let lane = 0;
    // Jumps that only touch at a row (one ends where the other starts) may share a lane.
    while (taken.some((t) => t.left === left && t.lane === lane && lo < t.hi && t.lo < hi)) lane++;
    taken.push({ lo, hi, lane, left });
    lanes.set(e, lane);
  }
  return lanes;
}

export function layoutWorkflow(phases: Phase[], statuses: Record<string, string> = {}): { nodes: Node[]; edges: Edge<ExitEdgeData>[] } {
  const indexById = new Map<string, number>();
  phases.forEach((p, i) => {
    if (typeof p?.id === 'string' && !indexById.has(p.id)) indexById.set(p.id, i);
  });
  const endIndex = phases.length;
  const indexOf = (id: unknown) => (id === 'end' ? endIndex : typeof id === 'string' ? indexById.get(id) : undefined);
  const nodeId = (i: number) => (i === endIndex ? 'end' : `phase-${i}`);
  const phaseIdAt = (i: number) => (i === endIndex ? 'end' : String(phases[i]!.id));

  const nodes: Node[] = phases.map((phase, i) => ({
    id: nodeId(i),
    type: phase.type === 'approval' ? 'approval' : 'phase',
    position: { x: 0, y: i * ROW },
    data: { phase, status: statuses[phase.id] } satisfies PhaseNodeData,
    className: `fg-rf-${phase.type}`,
    domAttributes: { 'data-phase-id': String(phase.id), 'data-phase-type': String(phase.type) } as Node['domAttributes'],
    ariaLabel: `${phase.type} phase ${phase.id}`,
  }));
  nodes.push({
    id: 'end',
    type: 'end',
    position: { x: (NODE_W - END_W) / 2, y: endIndex * ROW + (NODE_H - END_H) / 2 },
    data: {},
    domAttributes: { 'data-phase-id': 'end', 'data-phase-type': 'end' } as Node['domAttributes'],
    ariaLabel: 'End',
  });

  const exits = phases.flatMap((p, i) => (p && typeof p === 'object' ? exitsOf(p, i, indexOf, endIndex) : []));
  const straightFrom = new Set<number>();
  const straight = new Set<Exit>();
  for (const e of exits) {
    if (e.to === e.from + 1 && !straightFrom.has(e.from)) {
      straightFrom.add(e.from);
      straight.add(e);
    }
  }
  const lanes = assignLanes(exits.filter((e) => !straight.has(e)));

  const edges = exits.map((e, n): Edge<ExitEdgeData> => {
    const lane = lanes.get(e);
    const left = LEFT.has(e.kind);
    const side = left ? 'l' : 'r';
    const laneX = lane === undefined ? undefined : left ? -LANE_FIRST - lane * LANE_STEP : NODE_W + LANE_FIRST + lane * LANE_STEP;
    const label = LABELS[e.kind];
    const from = phaseIdAt(e.from);
    const to = phaseIdAt(e.to);
    return {
      id: `edge-${n}-${e.kind}`,
      type: 'exit',
      source: nodeId(e.from),
      target: nodeId(e.to),
      sourceHandle: lane === undefined ? 'out' : `${side}-out`,
      targetHandle: lane === undefined ? 'in' : `${side}-in`,
      label,
      className: `fg-edge fg-edge-${e.kind}`,
      data: { kind: e.kind, laneX },
      ariaLabel: `${label ? `${label}: ` : ''}${from} to ${to === 'end' ? 'End' : to}`,
      domAttributes: { 'data-kind': e.kind, 'data-from': from, 'data-to': to } as Edge['domAttributes'],
    };
  });
  return { nodes, edges };
}
