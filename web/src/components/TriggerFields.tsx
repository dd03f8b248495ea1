/**
 * The trigger part of the builder's form: its type, and the fields that type takes
 * (docs/API.md "Definitions"). Empty optional fields are left out of the trigger.
 */
import type { Trigger } from '../workflows';

export const TRIGGER_TYPES: { type: string; label: string }[] = [
  { type: 'manual', label: 'Manual (started by hand)' },
  { type: 'content.created', label: 'Content item created' },
  { type: 'content.updated', label: 'Content item edited' },
  { type: 'content.status_changed', label: 'Content item status changed' },
  { type: 'task.created', label: 'Task created' },
  { type: 'task.updated', label: 'Task edited' },
  { type: 'task.status_changed', label: 'Task status changed' },
  { type: 'schedule', label: 'Schedule (cron)' },
  { type: 'comment.created', label: 'Comment added' },
  { type: 'share_email.sent', label: 'Review link emailed' },
  { type: 'webhook', label: 'Webhook (inbound POST)' },
];

function initial(type: string): Trigger {
  if (type === 'schedule') return { type, cron: '0 9 * * 1', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' };
  return { type };
}

/** Sets `key` to `value`, or removes it when the value is empty. */
function withField(t: Trigger, key: string, value: unknown): Trigger {
  const next: Trigger = { ...t };
  if (value === '' || (Array.isArray(value) && value.length === 0)) delete next[key];
  else next[key] = value;
  return next;
}

function Text({ id, label, value, onChange, placeholder }: { id: string; label: string; value: unknown; onChange: (v: string) => void; placeholder?: string }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} value={typeof value === 'string' ? value : ''} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
    </>
  );
}

export function TriggerFields({ value, onChange }: { value: Trigger; onChange: (t: Trigger) => void }) {
  const set = (key: string) => (v: unknown) => onChange(withField(value, key, v));
  const t = value.type;
  return (
    <>
      <label htmlFor="wf-trigger">Trigger</label>
      <select id="wf-trigger" value={t} onChange={(e) => onChange(initial(e.target.value))}>
        {TRIGGER_TYPES.map((o) => (
          <option key={o.type} value={o.type}>
            {o.label}
          </option>
        ))}
      </select>
      {(t === 'content.updated' || t === 'task.updated') && (
        <>
          <label htmlFor="wf-trigger-fields">Only when these fields changed (comma-separated, optional)</label>
          <input
            id="wf-trigger-fields"
            defaultValue={Array.isArray(value.fields) ? value.fields.join(', ') : ''}
            placeholder={t === 'task.updated' ? 'status, dueAt' : 'caption, scheduledAt'}
            onChange={(e) => set('fields')(e.target.value.split(',').map((s) => s.trim()).filter(Boolean))}
          />
        </>
      )}
      {(t === 'content.status_changed' || t === 'task.status_changed') && (
        <>
          <Text id="wf-trigger-from" label="From status (optional)" value={value.from} onChange={set('from')} placeholder="In Progress" />
          <Text id="wf-trigger-to" label="To status (optional)" value={value.to} onChange={set('to')} placeholder="Pending" />
        </>
      )}
      {t === 'schedule' && (
        <>
          <Text id="wf-trigger-cron" label="Cron expression" value={value.cron} onChange={set('cron')} placeholder="0 9 * * 1" />
          <Text id="wf-trigger-tz" label="Time zone" value={value.timezone} onChange={set('timezone')} placeholder="Europe/Paris" />
        </>
      )}
      {t === 'webhook' && <p className="muted">The server makes a secret when you save, and shows it once.</p>}
    </>
  );
}
