/**
 * The template gallery (`GET /api/templates`): ready workflows with what each is for and a
 * preview of its phases. "Use this template" opens the builder filled in for the chosen
 * space; nothing is saved until the user fills in the people it lists and saves.
 */
import { useState } from 'react';
import { get, type Answer } from '../api';
import { WorkflowCanvas } from '../components/WorkflowCanvas';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { ErrorBox, useAsync } from '../ui';
import { canEdit, triggerInWords, type Phase, type Trigger } from '../workflows';

/** A template of GET /api/templates (generated), its definition typed as in workflows.ts. */
export type GalleryTemplate = Omit<Answer<'/api/templates', 'get'>['items'][number], 'definition'> & { definition: { name: string; trigger: Trigger; phases: Phase[] } };

export const loadTemplates = () => get<{ items: GalleryTemplate[] }>('/api/templates');

function TemplateCard({ t, spaceId }: { t: GalleryTemplate; spaceId: string }) {
  const headingId = `tpl-${t.id}-h`;
  return (
    <article className="tpl-card" aria-labelledby={headingId} data-template-id={t.id}>
      <h2 id={headingId}>{t.name}</h2>
      <p>{t.description}</p>
      <p className="muted">
        {triggerInWords(t.definition.trigger)} · {t.definition.phases.length} phase{t.definition.phases.length === 1 ? '' : 's'} · {t.tags.join(', ')}
      </p>
      {t.fill.length > 0 && (
        <p className="muted">
          You fill in: {t.fill.map((f) => f.label.charAt(0).toLowerCase() + f.label.slice(1)).join('; ')}.
        </p>
      )}
      <WorkflowCanvas phases={t.definition.phases} height={220} />
      <button
        type="button"
        className="primary"
        disabled={!spaceId}
        onClick={() => navigate(`/workflows/new?spaceId=${encodeURIComponent(spaceId)}&template=${encodeURIComponent(t.id)}`)}
      >
        Use this template<span className="visually-hidden">: {t.name}</span>
      </button>
    </article>
  );
}

export function Templates() {
  const session = useSession();
  const editable = session.me.spaces.filter((s) => canEdit(session, s.id));
  const [spaceId, setSpaceId] = useState(editable[0]?.id ?? '');
  const data = useAsync(loadTemplates, []);
  return (
    <>
      <p className="muted">
        <Link to="/workflows">Workflows</Link> › templates
      </p>
      <h1>Workflow templates</h1>
      {editable.length === 0 ? (
        <p className="muted">You are not an editor of any space, so you can look at the templates but not use them; ask for the editor role.</p>
      ) : (
        <div className="filters">
          <label>
            Use in space
            <select value={spaceId} onChange={(e) => setSpaceId(e.target.value)}>
              {editable.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <ErrorBox error={data.error} />
      {data.loading && !data.data && <p className="muted">Loading…</p>}
      <div className="tpl-grid">
        {data.data?.items.map((t) => (
          <TemplateCard key={t.id} t={t} spaceId={spaceId} />
        ))}
      </div>
    </>
  );
}
