/**
 * The workflow canvas (docs/REQUIREMENTS.md section 5, the builder's canvas): phases top to bottom, approval gates
 * drawn as a distinct hexagonal shape with labelled approve and deny exits, conditions with
 * then and else, jumps beside the column, and an End node. Read-only: zoom and pan only, and,
 * given `onSelect` (the builder), a click on a phase picks it; `selected` is outlined.
 * Given `statuses` (phase id → status of a run), each node shows where that run stands.
 * The layout is canvas-layout.ts.
 */
import { useMemo } from 'react';
import {
  Background,
  BaseEdge,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  ReactFlowProvider,
  type Edge,
  type EdgeProps,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Status } from '../ui';
import { approversCount, phaseSummary } from '../workflows';
import { layoutWorkflow, ROW, type ExitEdgeData, type ExitKind, type PhaseNodeData } from './canvas-layout';
import type { Phase } from '../workflows';

const COLORS: Record<ExitKind, string> = {
  flow: '#98a2b3',
  next: '#667085',
  approve: '#1f7a4d',
  deny: '#b42318',
  then: '#2f5bea',
  else: '#7a5af8',
};

/**
 * The handles every node has: top in, bottom out, and an in and an out on each side for
 * jumps. A gate's side exits leave from its hexagon's tips, and its side entries sit on the
 * slanted edges, a few pixels in.
 */
function Handles({ gate = false }: { gate?: boolean }) {
  const hidden = { isConnectable: false, className: 'fg-handle' };
  const out = { top: gate ? '50%' : '68%' };
  const inR = gate ? { top: '30%', right: 7 } : { top: '32%' };
  const inL = gate ? { top: '30%', left: 7 } : { top: '32%' };
  return (
    <>
      <Handle type="target" position={Position.Top} id="in" {...hidden} />
      <Handle type="source" position={Position.Bottom} id="out" {...hidden} />
      <Handle type="target" position={Position.Right} id="r-in" style={inR} {...hidden} />
      <Handle type="source" position={Position.Right} id="r-out" style={out} {...hidden} />
      <Handle type="target" position={Position.Left} id="l-in" style={inL} {...hidden} />
      <Handle type="source" position={Position.Left} id="l-out" style={out} {...hidden} />
    </>
  );
}

function NodeBody({ phase, status, kind }: { phase: Phase; status?: string; kind: string }) {
  return (
    <div className="fg-node-body">
      <div className="fg-node-head">
        <span className={`fg-node-type fg-type-${phase.type}`}>{kind}</span>
        <code className="fg-node-id">{phase.id}</code>
        {status && <Status status={status} />}
      </div>
      <div className="fg-node-name">{phase.name ?? <span className="muted">(no name)</span>}</div>
      <div className="fg-node-summary" title={phaseSummary(phase)}>
        {phaseSummary(phase)}
      </div>
    </div>
  );
}

function PhaseNode({ data }: NodeProps<Node<PhaseNodeData>>) {
  const { phase, status } = data;
  return (
    <div className={`fg-node fg-node-${phase.type}${status ? ` fg-status-${status}` : ''}`} data-phase-type={phase.type} data-testid={`phase-${phase.id}`}>
      <Handles />
      <NodeBody phase={phase} status={status} kind={phase.type} />
    </div>
  );
}

/** A gate: a hexagon (the outer layer is its border), marked "approval" with its counts. */
function ApprovalNode({ data }: NodeProps<Node<PhaseNodeData>>) {
  const { phase, status } = data;
  return (
    <div
      className={`fg-node fg-node-approval fg-gate${status ? ` fg-status-${status}` : ''}`}
      data-phase-type="approval"
      data-testid={`phase-${phase.id}`}
      data-required={String(phase.required ?? '')}
      data-approvers={approversCount(phase)}
    >
      <Handles gate />
      <div className="fg-gate-shape" aria-hidden="true" />
      <NodeBody phase={phase} status={status} kind="✓ approval" />
    </div>
  );
}

function EndNode() {
  return (
    <div className="fg-node-end" data-phase-type="end" data-testid="phase-end">
      <Handles />
      End
    </div>
  );
}

/** Straight down to the next row, or out to the edge's lane, along it, and back in. */
function ExitEdge({ id, sourceX, sourceY, targetX, targetY, data, label, markerEnd, style, labelStyle, labelBgStyle }: EdgeProps<Edge<ExitEdgeData>>) {
  const laneX = data?.laneX;
  let path: string;
  let labelX: number;
  let labelY: number;
  if (laneX === undefined) {
    path = `M ${sourceX},${sourceY} L ${targetX},${targetY}`;
    labelX = (sourceX + targetX) / 2;
    labelY = (sourceY + targetY) / 2;
  } else {
    const r = 8;
    const out = Math.sign(laneX - sourceX) || 1;
    const back = Math.sign(targetX - laneX) || -out;
    const dy = Math.sign(targetY - sourceY) || 1;
    path = [
      `M ${sourceX},${sourceY}`,
      `H ${laneX - out * r}`,
      `Q ${laneX},${sourceY} ${laneX},${sourceY + dy * r}`,
      `V ${targetY - dy * r}`,
      `Q ${laneX},${targetY} ${laneX + back * r},${targetY}`,
      `H ${targetX}`,
    ].join(' ');
    labelX = laneX;
    labelY = sourceY + dy * 28;
  }
  return (
    <BaseEdge
      id={id}
      path={path}
      markerEnd={markerEnd}
      style={style}
      label={label}
      labelX={labelX}
      labelY={labelY}
      labelStyle={labelStyle}
      labelShowBg
      labelBgStyle={labelBgStyle}
      labelBgPadding={[5, 2]}
      labelBgBorderRadius={4}
    />
  );
}

const nodeTypes = { phase: PhaseNode, approval: ApprovalNode, end: EndNode };
const edgeTypes = { exit: ExitEdge };

export interface WorkflowCanvasProps {
  phases: Phase[];
  /** Phase id → status, to show where a run stands. */
  statuses?: Record<string, string>;
  /** Height of the canvas in pixels; by default it grows with the number of phases. */
  height?: number;
  /** The phase to outline (the builder's open form). */
  selected?: string;
  /** Called with a phase's id when its node is clicked. */
  onSelect?: (phaseId: string) => void;
}

export function WorkflowCanvas({ phases, statuses, height, selected, onSelect }: WorkflowCanvasProps) {
  const { nodes, edges } = useMemo(() => {
    const laid = layoutWorkflow(phases, statuses);
    const styled = laid.edges.map((e) => {
      const color = COLORS[e.data!.kind];
      return {
        ...e,
        style: { stroke: color, strokeWidth: e.data!.kind === 'flow' ? 1.5 : 2 },
        markerEnd: { type: MarkerType.ArrowClosed, color, width: 18, height: 18 },
        labelStyle: { fill: color, fontWeight: 600, fontSize: 12 },
        labelBgStyle: { fill: '#fff', stroke: color, strokeWidth: 1 },
      };
    });
    const nodes = laid.nodes.map((n) => {
      const pid = (n.data as Partial<PhaseNodeData>).phase?.id;
      const classes = [n.className, onSelect && pid !== undefined ? 'fg-pickable' : '', pid !== undefined && pid === selected ? 'fg-selected' : ''].filter(Boolean).join(' ');
      return { ...n, className: classes };
    });
    return { nodes, edges: styled };
  }, [phases, statuses, selected, onSelect !== undefined]);
  const shape = `${nodes.length}:${edges.map((e) => e.data?.laneX ?? '').join(',')}`;
  const h = height ?? Math.min(900, Math.max(340, (phases.length + 1) * ROW * 0.8 + 40));
  return (
    <div className="fg-canvas" style={{ height: h }} data-testid="workflow-canvas">
      {/* A new shape (the builder's live preview) mounts a new flow, which fits the view to it. */}
      <ReactFlowProvider key={shape}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          edgesFocusable={false}
          nodesFocusable={false}
          onNodeClick={onSelect ? (_, node) => {
            const pid = (node.data as Partial<PhaseNodeData>).phase?.id;
            if (pid !== undefined) onSelect(pid);
          } : undefined}
          fitView
          fitViewOptions={{ padding: 0.08, maxZoom: 1 }}
          minZoom={0.2}
          maxZoom={2}
          // The page scrolls over the canvas; zoom with the buttons, a pinch, or Ctrl + wheel.
          zoomOnScroll={false}
          preventScrolling={false}
        >
          <Background gap={20} size={1} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
