/**
 * The workflow builder: `/workflows/new?spaceId=…` creates (`&template=<id>` starts from a
 * gallery template, listing the people to fill in), `/workflows/{id}/edit` saves a new version. Name, enabled and trigger are a form; the phases are JSON, with a palette
 * that appends a phase of each type and a canvas that previews the JSON whenever it parses.
 * The server checks the definition; its problems are listed by path beside the editor.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api, get, post } from '../api';
import { phaseTemplate, PHASE_TYPES, type PhaseType } from '../components/phase-templates';
import { DescribeWorkflow } from '../components/DescribeWorkflow';
import { Problems } from '../components/Problems';
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

export function WorkflowBuilder({ id }: { id?: string }) {
  const session = useSession();
  const loc = useLocation();
  const existing = useAsync(() => (id ? get<Workflow>(`/api/workflows/${id}`) : Promise.resolve(null)), [id]);
  const editableSpaces = session.me.spaces.filter((s) => canEdit(session, s.id));
  const [spaceId, setSpaceId] = useState(loc.query.get('spaceId') ?? editableSpaces[0]?.id ?? '');
  const [name, setName] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [trigger, setTrigger] = useState<Trigger>({ type: 'manual' });
  const [text, setText] = useState('[]');
  const [preview, setPreview] = useState<Phase[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<{ secret: string; id: string } | null>(null);
  const parsed = parsePhases(text);

  const edit = (next: string) => {
    setText(next);
    const p = parsePhases(next);
    if ('phases' in p) setPreview(p.phases);
  };

  // From the gallery: start from the template's definition.
  const templateId = id ? null : loc.query.get('template');
  const template = useAsync(() => (templateId ? loadTemplates().then((r) => r.items.find((t) => t.id === templateId) ?? null) : Promise.resolve(null)), [templateId]);
  useEffect(() => {
    const t = template.data;
    if (!t) return;
    setName(t.definition.name);
    setTrigger(t.definition.trigger);
    edit(pretty(t.definition.phases));
  }, [template.data]);

  // Editing: start from the saved workflow.
  useEffect(() => {
    const w = existing.data;
    if (!w) return;
    setSpaceId(w.spaceId);
    setName(w.name);
    setEnabled(w.enabled);
    setTrigger(w.trigger);
    edit(pretty(w.phases));
  }, [existing.data]);

  const add = (type: PhaseType) => {
    if (!('phases' in parsed)) return;
    edit(pretty([...parsed.phases, phaseTemplate(type, parsed.phases, session.me.user.id)]));
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
          <label htmlFor="wf-phases">Phases (JSON)</label>
          <Palette onAdd={add} disabled={!('phases' in parsed)} />
          <textarea id="wf-phases" className="phases" spellCheck={false} value={text} onChange={(e) => edit(e.target.value)} aria-describedby="wf-phases-state" />
          <p id="wf-phases-state" className={'phases' in parsed ? 'muted' : 'error'}>
            {'phases' in parsed ? `${parsed.phases.length} phase${parsed.phases.length === 1 ? '' : 's'}; the preview follows the JSON.` : parsed.error}
          </p>
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
          <WorkflowCanvas phases={preview} height={640} />
        </section>
      </div>
    </>
  );
}

