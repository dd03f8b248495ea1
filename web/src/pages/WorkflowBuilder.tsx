/**
 * The workflow builder: `/workflows/new?spaceId=…` creates (`&template=<id>` starts from a
 * gallery template, listing the people to fill in), `/workflows/{id}/edit` saves a new version.
 * Name, enabled and trigger are a form. Each phase is a form too (phase-forms/): a list to add,
 * remove and reorder phases (drag, or the move buttons from the keyboard) and the picked
 * phase's fields, with approvers picked from the space's people. Clicking a node on the canvas
 * opens its form. The "JSON" view shows the same phases as text; the two round-trip without
 * loss, and keys a form does not show are kept. The server checks the definition; its problems
 * are listed by path and shown beside the field they are about. `initial` (or the describe
 * box) fills the whole definition from outside.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, get, post } from '../api';
import { phaseTemplate, PHASE_TYPES, type PhaseType } from '../components/phase-templates';
import { DescribeWorkflow } from '../components/DescribeWorkflow';
import { PhaseForm, PhaseList, phaseProblems, renamePhase, type Person } from '../components/phase-forms';
import { Problems, problemsOf } from '../components/Problems';
import { TriggerFields } from '../components/TriggerFields';
import { WorkflowCanvas } from '../components/WorkflowCanvas';
import { loadTemplates, type GalleryTemplate } from './Templates';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { ErrorBox, useAsync } from '../ui';
import { canEdit, spaceName, type Phase, type Trigger, type Workflow } from '../workflows';

interface Saved extends Workflow {
  webhookSecret?: string;
}

/** The phases JSON: the list when it parses as one, otherwise why not. */
function parsePhases(text: string): { phases: Phase[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON yet: ${(e as Error).message}` };
  }
  if (!Array.isArray(value)) return { error: 'The phases must be a JSON list: [ {…}, {…} ].' };
  if (!value.every((p) => p && typeof p === 'object' && !Array.isArray(p))) return { error: 'Each phase must be a JSON object.' };
  return { phases: value as Phase[] };
}

const pretty = (phases: unknown) => JSON.stringify(phases, null, 2);

function WebhookSecret({ secret, workflowId }: { secret: string; workflowId: string }) {
  return (
    <div className="wf-secret" role="status">
      <h2>Webhook secret</h2>
      <p>
        <strong>Copy it now: it is shown only this once.</strong> Send it in the <code>X-Flowgate-Secret</code> header of <code>POST /api/hooks/{workflowId}</code>.
      </p>
      <code data-testid="webhook-secret">{secret}</code>
      <button type="button" className="primary" onClick={() => navigate(`/workflows/${workflowId}`)}>
        I have copied it: open the workflow
      </button>
    </div>
  );
}

function TemplateNotice({ template, error }: { template: GalleryTemplate | null; error: Error | null }) {
  if (error) return <ErrorBox error={error} />;
  if (!template) return <p className="error" role="alert">There is no such template; start from an empty workflow or pick one in the <Link to="/workflows/templates">gallery</Link>.</p>;
  return (
    <div className="tpl-fill" role="note" aria-label="Fill in before saving">
      <p>
        Started from the template <strong>{template.name}</strong>. Nothing is saved until you create the workflow.
      </p>
      {template.fill.length > 0 && (
        <>
          <p>Fill in before saving:</p>
          <ul>
            {template.fill.map((f) => (
              <li key={f.path}>
                {f.label} <code className="muted">{f.path}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function Palette({ onAdd, disabled }: { onAdd: (t: PhaseType) => void; disabled: boolean }) {
  return (
    <div className="wf-palette" role="group" aria-label="Add a phase">
      {PHASE_TYPES.map((t) => (
        <button key={t} type="button" onClick={() => onAdd(t)} disabled={disabled}>
          + {t}
        </button>
      ))}
    </div>
  );
}

/** A whole definition handed to the builder from outside (a template, the describe box…). */
export interface DefinitionSet {
  name: string;
  trigger: Trigger;
  phases: Phase[];
  enabled?: boolean;
}

type View = 'forms' | 'json';
const VIEW_KEY = 'flowgate.builder.view';

function storedView(): View {
  try {
    return localStorage.getItem(VIEW_KEY) === 'json' ? 'json' : 'forms';
  } catch {
    return 'forms';
  }
}

interface SpaceInfo {
  statuses?: string[];
  members?: Person[];
}

export function WorkflowBuilder({ id, initial }: { id?: string; initial?: DefinitionSet }) {
  const session = useSession();
  const loc = useLocation();
  const existing = useAsync(() => (id ? get<Workflow>(`/api/workflows/${id}`) : Promise.resolve(null)), [id]);
  const editableSpaces = session.me.spaces.filter((s) => canEdit(session, s.id));
  const [spaceId, setSpaceId] = useState(loc.query.get('spaceId') ?? editableSpaces[0]?.id ?? '');
  const [name, setName] = useState(initial?.name ?? '');
  const [enabled, setEnabled] = useState(initial?.enabled ?? true);
  const [trigger, setTrigger] = useState<Trigger>(initial?.trigger ?? { type: 'manual' });
  const [text, setText] = useState(initial ? pretty(initial.phases) : '[]');
  // The last phases that parsed: what the forms edit and the preview draws.
  const [phases, setPhases] = useState<Phase[]>(initial?.phases ?? []);
  const [view, setViewState] = useState<View>(storedView);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<{ secret: string; id: string } | null>(null);
  const parsed = parsePhases(text);
  const space = useAsync(() => (spaceId ? get<SpaceInfo>(`/api/spaces/${encodeURIComponent(spaceId)}`) : Promise.resolve({} as SpaceInfo)), [spaceId]);
  const people = space.data?.members ?? [];
  const statuses = space.data?.statuses ?? [];
  const problems = problemsOf(error);

  const setView = (v: View) => {
    setViewState(v);
    try {
      localStorage.setItem(VIEW_KEY, v);
    } catch {}
  };

  /** The JSON text changed: the forms and preview follow whenever it parses. */
  const edit = (next: string) => {
    setText(next);
    const p = parsePhases(next);
    if ('phases' in p) setPhases(p.phases);
  };
  /** A form changed the phases: the JSON follows. */
  const change = (next: Phase[]) => {
    setPhases(next);
    setText(pretty(next));
  };
  /** Replaces the whole definition (templates, the describe box, `initial`). */
  const loadDefinition = (d: DefinitionSet) => {
    setName(d.name);
    setTrigger(d.trigger);
    if (d.enabled !== undefined) setEnabled(d.enabled);
    edit(pretty(d.phases));
    setSelected(d.phases[0]?.id ?? null);
    setError(null);
  };

  // From the gallery: start from the template's definition.
  const templateId = id ? null : loc.query.get('template');
  const template = useAsync(() => (templateId ? loadTemplates().then((r) => r.items.find((t) => t.id === templateId) ?? null) : Promise.resolve(null)), [templateId]);
  useEffect(() => {
    const t = template.data;
    if (t) loadDefinition({ name: t.definition.name, trigger: t.definition.trigger, phases: t.definition.phases });
  }, [template.data]);

  // Editing: start from the saved workflow.
  useEffect(() => {
    const w = existing.data;
    if (!w) return;
    setSpaceId(w.spaceId);
    loadDefinition({ name: w.name, trigger: w.trigger, phases: w.phases, enabled: w.enabled });
  }, [existing.data]);

  const add = (type: PhaseType) => {
    if (!('phases' in parsed)) return;
    const phase = phaseTemplate(type, parsed.phases, session.me.user.id);
    change([...parsed.phases, phase]);
    setSelected(phase.id);
  };
  const move = (from: number, to: number) => {
    const next = [...phases];
    const [p] = next.splice(from, 1);
    next.splice(to, 0, p!);
    change(next);
    setError(null); // its paths name the old positions
  };
  const remove = (index: number) => {
    const gone = phases[index]!;
    change(phases.filter((_, i) => i !== index));
    if (selected === gone.id) setSelected(null);
    setError(null);
  };
  const changePhase = (index: number, next: Phase) => {
    const old = phases[index]!;
    let list = phases.map((p, i) => (i === index ? next : p));
    if (next.id !== old.id) {
      list = renamePhase(list.map((p, i) => (i === index ? { ...p, id: old.id } : p)), old.id, next.id);
      setSelected(next.id);
    }
    change(list);
  };
  const openPhase = (phaseId: string) => {
    if (!('phases' in parsed)) return;
    setView('forms');
    setSelected(phaseId);
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-phase-form="${CSS.escape(phaseId)}"]`)?.scrollIntoView({ block: 'nearest' }));
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!('phases' in parsed)) return setError(new Error(`Fix the phases first. ${parsed.error}`));
    setError(null);
    setBusy(true);
    const body = { name, enabled, trigger, phases: parsed.phases };
    try {
      const saved = id
        ? await api<Saved>('PUT', `/api/workflows/${id}`, body, { 'if-match': String(existing.data!.version) })
        : await post<Saved>(`/api/spaces/${spaceId}/workflows`, body);
      if (saved.webhookSecret) setSecret({ secret: saved.webhookSecret, id: saved.id });
      else navigate(`/workflows/${saved.id}`);
    } catch (err) {
      setError(err as Error);
      // Open the first phase the server found a problem in, unless the open one has one.
      const found = problemsOf(err as Error);
      const open = parsed.phases.findIndex((p) => p.id === selected);
      if (open < 0 || phaseProblems(found, open).length === 0) {
        const first = parsed.phases.findIndex((_, i) => phaseProblems(found, i).length > 0);
        if (first >= 0) setSelected(parsed.phases[first]!.id);
      }
    } finally {
      setBusy(false);
    }
  };

  if (id && !existing.data) return existing.error ? <ErrorBox error={existing.error} /> : <p className="muted">Loading…</p>;
  if (templateId && template.loading) return <p className="muted">Loading the template…</p>;
  if (secret) return <WebhookSecret secret={secret.secret} workflowId={secret.id} />;
  const title = id ? `Edit ${existing.data!.name}` : 'New workflow';
  if (!spaceId || !canEdit(session, spaceId)) {
    return (
      <>
        <h1>{title}</h1>
        <p className="error" role="alert">
          {spaceId
            ? `You may view workflows in ${spaceName(session.me, spaceId)} but not change them; ask for the editor role.`
            : 'You are not an editor of any space, so you cannot create workflows; ask for the editor role.'}
        </p>
      </>
    );
  }
  const selectedIndex = phases.findIndex((p) => p.id === selected);
  const jsonOk = 'phases' in parsed;
  return (
    <>
      <p className="muted">
        <Link to={id ? `/workflows/${id}` : '/workflows'}>{id ? existing.data!.name : 'Workflows'}</Link> ›{' '}
        {id ? `editing version ${existing.data!.version}; saving makes version ${existing.data!.version + 1}` : 'new'}
      </p>
      <h1>{title}</h1>
      {templateId && <TemplateNotice template={template.data ?? null} error={template.error} />}
      {!id && <DescribeWorkflow spaceId={spaceId} onDescribed={(d) => { setName(d.name); setTrigger(d.trigger); edit(pretty(d.phases)); }} />}
      <div className="wf-builder">
        <form className="form" onSubmit={save} aria-label="Workflow definition">
          {!id && (
            <>
              <label htmlFor="wf-space">Space</label>
              <select id="wf-space" value={spaceId} onChange={(e) => setSpaceId(e.target.value)} required>
                {editableSpaces.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </>
          )}
          <label htmlFor="wf-name">Name</label>
          <input id="wf-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
          <label className="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled (its trigger starts runs)
          </label>
          <TriggerFields value={trigger} onChange={setTrigger} />
          <div className="pf-head">
            <h2 id="wf-phases-h">Phases</h2>
            <div className="pf-views" role="group" aria-label="Phases view">
              <button type="button" aria-pressed={view === 'forms'} onClick={() => jsonOk && setView('forms')} disabled={!jsonOk} title={jsonOk ? undefined : 'Fix the JSON first'}>
                Forms
              </button>
              <button type="button" aria-pressed={view === 'json'} onClick={() => setView('json')}>
                JSON
              </button>
            </div>
          </div>
          <Palette onAdd={add} disabled={!jsonOk} />
          {view === 'forms' ? (
            <div className="pf-forms">
              <PhaseList phases={phases} selected={selected} problems={problems} onSelect={setSelected} onMove={move} onRemove={remove} />
              {selectedIndex >= 0 ? (
                <PhaseForm
                  key={`${selectedIndex}-${phases[selectedIndex]!.type}`}
                  phase={phases[selectedIndex]!}
                  index={selectedIndex}
                  phases={phases}
                  people={people}
                  statuses={statuses}
                  triggerType={trigger.type}
                  problems={phaseProblems(problems, selectedIndex)}
                  onChange={(p) => changePhase(selectedIndex, p)}
                />
              ) : (
                phases.length > 0 && <p className="muted pf-empty">Pick a phase in the list or on the canvas to edit it.</p>
              )}
            </div>
          ) : (
            <>
              <label htmlFor="wf-phases">Phases (JSON)</label>
              <textarea id="wf-phases" className="phases" spellCheck={false} value={text} onChange={(e) => edit(e.target.value)} aria-describedby="wf-phases-state" />
              <p id="wf-phases-state" className={jsonOk ? 'muted' : 'error'}>
                {jsonOk ? `${parsed.phases.length} phase${parsed.phases.length === 1 ? '' : 's'}; the forms and the preview follow the JSON.` : parsed.error}
              </p>
            </>
          )}
          <Problems error={error} title="The server refused the workflow:" />
          <div className="wf-actions">
            <button type="submit" disabled={busy}>
              {id ? 'Save new version' : 'Create workflow'}
            </button>
            <button type="button" onClick={() => navigate(id ? `/workflows/${id}` : '/workflows')}>
              Cancel
            </button>
          </div>
        </form>
        <section className="wf-preview" aria-labelledby="preview-h">
          <h2 id="preview-h">Preview</h2>
          <p className="muted pf-hint">Click a phase to open its form.</p>
          <WorkflowCanvas phases={phases} height={640} selected={selected ?? undefined} onSelect={openPhase} />
        </section>
      </div>
    </>
  );
}
