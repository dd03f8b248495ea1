/** The forms of every phase type but approval (ApprovalForm.tsx). */
import { useEffect, useState } from 'react';
import { asObject, asStrings, DurationInput, EmailList, Field, Group, isEmail, JumpSelect, PeoplePicker, targetFields, TemplateText, withKey, type PhaseFormProps } from './common';

// --- wait -------------------------------------------------------------------------------

const TEMPLATE_FIELD_RE = /^\{\{\s*target\.(\w+)\s*\}\}$/;
const OFFSET_RE = /^([+-]?)(.+)$/;

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const list = intl.supportedValuesOf?.('timeZone') ?? [];
  return ['UTC', ...list.filter((z) => z !== 'UTC')];
}

/** Minutes east of UTC of `zone` at the instant `ms`. */
function zoneOffset(ms: number, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');

/** "2030-05-01T09:00" on the wall clock of `zone` → "2030-05-01T09:00:00+02:00". */
export function zonedIso(local: string, zone: string): string {
  const guess = Date.parse(`${local}:00Z`);
  let off = zoneOffset(guess, zone);
  off = zoneOffset(guess - off * 60000, zone);
  const sign = off < 0 ? '-' : '+';
  return zone === 'UTC' ? `${local}:00Z` : `${local}:00${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

/** The wall-clock time ("2030-05-01T09:00") of an ISO time in `zone`. */
function wallClock(iso: string, zone: string): string {
  const withZone = /(Z|[+-]\d{2}:\d{2})$/i.test(iso) ? iso : `${iso}Z`;
  const ms = Date.parse(withZone);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms + zoneOffset(ms, zone) * 60000);
  return d.toISOString().slice(0, 16);
}

function zoneOf(iso: string): string {
  if (/Z$/i.test(iso) || !/[+-]\d{2}:\d{2}$/.test(iso)) return 'UTC';
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const ms = Date.parse(iso);
  const m = /([+-])(\d{2}):(\d{2})$/.exec(iso)!;
  const off = (m[1] === '-' ? -1 : 1) * (+m[2]! * 60 + +m[3]!);
  return zoneOffset(ms, here) === off ? here : 'UTC';
}

export function WaitForm({ phase, problems, onChange, triggerType }: PhaseFormProps) {
  const until = typeof phase.until === 'string' ? phase.until : undefined;
  const fieldMatch = until ? TEMPLATE_FIELD_RE.exec(until) : null;
  const mode = phase.duration !== undefined || until === undefined ? 'duration' : fieldMatch || /\{\{/.test(until) ? 'field' : 'time';
  const [zone, setZone] = useState(() => (until && mode === 'time' ? zoneOf(until) : Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'));
  const timeFields = targetFields(triggerType).filter((f) => f === 'scheduledAt' || f === 'dueAt');
  const offset = typeof phase.offset === 'string' ? OFFSET_RE.exec(phase.offset) : null;
  const base = withKey(withKey(withKey(phase, 'duration', undefined), 'until', undefined), 'offset', undefined);
  const setMode = (m: string) => {
    if (m === 'duration') onChange({ ...base, duration: '1h' });
    else if (m === 'time') onChange({ ...base, until: zonedIso(new Date(Date.now() + 86400000).toISOString().slice(0, 11) + '09:00', zone) });
    else onChange({ ...base, until: `{{target.${timeFields[0] ?? 'scheduledAt'}}}` });
  };
  return (
    <>
      <Group legend="Wait" path="" problems={problems.filter((p) => p.path === '')}>
        <div className="pf-radios">
          {[
            ['duration', 'For a while'],
            ['time', 'Until a date and time'],
            ['field', 'Until a date on the item'],
          ].map(([m, words]) => (
            <label key={m} className="pf-check">
              <input type="radio" name={`wait-${phase.id}`} checked={mode === m} onChange={() => setMode(m!)} /> {words}
            </label>
          ))}
        </div>
      </Group>
      {mode === 'duration' && (
        <Field label="Duration" path="duration" problems={problems}>
          {(id, d) => <DurationInput id={id} label="Duration" describedBy={d} value={phase.duration as string | undefined} onChange={(v) => onChange(withKey(phase, 'duration', v ?? ''))} />}
        </Field>
      )}
      {mode === 'time' && until !== undefined && (
        <div className="pf-row">
          <Field label="Date and time" path="until" problems={problems}>
            {(id, d) => <input id={id} type="datetime-local" aria-describedby={d} value={wallClock(until, zone)} onChange={(e) => e.target.value && onChange(withKey(phase, 'until', zonedIso(e.target.value, zone)))} />}
          </Field>
          <Field label="Time zone" path="zone" problems={[]}>
            {(id) => (
              <select
                id={id}
                value={zone}
                onChange={(e) => {
                  const wall = wallClock(until, zone);
                  setZone(e.target.value);
                  if (wall) onChange(withKey(phase, 'until', zonedIso(wall, e.target.value)));
                }}
              >
                {zones().map((z) => (
                  <option key={z}>{z}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
      )}
      {mode === 'field' && (
        <>
          <Field label="Date field" path="until" problems={problems}>
            {(id, d) => (
              <select id={id} aria-describedby={d} value={fieldMatch?.[1] ?? ''} onChange={(e) => onChange(withKey(phase, 'until', `{{target.${e.target.value}}}`))}>
                {!fieldMatch && <option value="">{until}</option>}
                {timeFields.map((f) => (
                  <option key={f} value={f}>
                    {f === 'scheduledAt' ? 'Scheduled publication time (scheduledAt)' : 'Due date (dueAt)'}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div className="pf-row">
            <Field label="Shifted by" path="offset" problems={problems} hint="Leave empty to wait until the time itself.">
              {(id, d) => <DurationInput id={id} label="Shifted by" describedBy={d} value={offset ? offset[2] : undefined} onChange={(v) => onChange(withKey(phase, 'offset', v === undefined ? undefined : `${offset?.[1] === '+' ? '+' : offset?.[1] === '' && offset ? '' : '-'}${v}`))} />}
            </Field>
            <Field label="Before or after" path="offset-sign" problems={[]}>
              {(id) => (
                <select id={id} value={offset?.[1] === '-' || !offset ? 'before' : 'after'} disabled={!offset} onChange={(e) => offset && onChange(withKey(phase, 'offset', `${e.target.value === 'before' ? '-' : '+'}${offset[2]}`))}>
                  <option value="before">before</option>
                  <option value="after">after</option>
                </select>
              )}
            </Field>
          </div>
        </>
      )}
    </>
  );
}

// --- mutate -----------------------------------------------------------------------------

const LIST_FIELDS = new Set(['platforms', 'assignees', 'tags']);
const TIME_FIELDS = new Set(['scheduledAt', 'dueAt']);
const LONG_FIELDS = new Set(['caption', 'description']);

export function MutateForm({ phase, problems, onChange, triggerType, statuses, people }: PhaseFormProps) {
  const set = asObject(phase.set);
  const fields = targetFields(triggerType).filter((f) => f !== 'id');
  for (const k of Object.keys(set)) if (!fields.includes(k)) fields.push(k);
  const put = (k: string, v: unknown) => onChange(withKey(phase, 'set', withKey(set, k, v)));
  return (
    <Group legend="Set these fields of the item" path="set" problems={problems.filter((p) => p.path === 'set')} hint="Values may use templates such as {{target.title}}.">
      <div className="pf-mutate">
        {fields.map((f) => {
          const on = f in set;
          const v = set[f];
          const inputId = `set-${phase.id}-${f}`;
          let input;
          if (!on) input = null;
          else if (f === 'status') {
            input = (
              <>
                <input id={inputId} list={`${inputId}-list`} value={String(v ?? '')} onChange={(e) => put(f, e.target.value)} />
                <datalist id={`${inputId}-list`}>{statuses.map((s) => <option key={s} value={s} />)}</datalist>
              </>
            );
          } else if (f === 'assignee') {
            input = (
              <select id={inputId} value={String(v ?? '')} onChange={(e) => put(f, e.target.value === '' ? null : e.target.value)}>
                <option value="">Nobody</option>
                {people.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            );
          } else if (LIST_FIELDS.has(f) && (Array.isArray(v) || v === null)) {
            input = <input id={inputId} value={asStrings(v).join(', ')} placeholder="comma, separated" onChange={(e) => put(f, e.target.value.split(',').map((s) => s.trim()).filter(Boolean))} />;
          } else if (TIME_FIELDS.has(f) && typeof v === 'string' && !v.includes('{{')) {
            input = <input id={inputId} type="datetime-local" value={v ? wallClock(v, 'UTC') : ''} onChange={(e) => put(f, e.target.value ? zonedIso(e.target.value, 'UTC') : null)} />;
          } else if (typeof v === 'string' || v === null) {
            input = LONG_FIELDS.has(f) ? <textarea id={inputId} rows={2} value={v ?? ''} onChange={(e) => put(f, e.target.value)} /> : <input id={inputId} value={v ?? ''} onChange={(e) => put(f, e.target.value)} />;
          } else {
            input = <input id={inputId} value={JSON.stringify(v)} readOnly aria-readonly title="Change this value in the JSON view" />;
          }
          const empty = LIST_FIELDS.has(f) ? [] : TIME_FIELDS.has(f) ? '' : f === 'status' ? statuses[0] ?? '' : f === 'assignee' ? null : '';
          return (
            <div key={f} className={`pf-set${on ? ' on' : ''}`} data-field={`set.${f}`}>
              <label className="pf-check">
                <input type="checkbox" checked={on} aria-label={`Set ${f}`} onChange={(e) => put(f, e.target.checked ? empty : undefined)} /> {f}
              </label>
              {on && (
                <label htmlFor={inputId} className="pf-sr">
                  New {f}
                </label>
              )}
              {input}
              {problems.filter((p) => p.path === `set.${f}` || p.path.startsWith(`set.${f}.`)).map((p, i) => (
                <p key={i} className="pf-problem-inline" role="alert" data-path={p.path}>
                  {p.message}
                </p>
              ))}
            </div>
          );
        })}
      </div>
    </Group>
  );
}

// --- notify -----------------------------------------------------------------------------

const ROLES: Array<[string, string]> = [
  ['assignees', "The item's assignees"],
  ['space_admins', 'The space admins'],
  ['approvers', "This run's approvers"],
];

export function NotifyForm({ phase, problems, onChange, people, triggerType }: PhaseFormProps) {
  const to = asStrings(phase.to);
  const roles = to.filter((t) => ROLES.some(([r]) => r === t));
  const emails = to.filter((t) => !roles.includes(t) && isEmail(t));
  const ids = to.filter((t) => !roles.includes(t) && !emails.includes(t));
  const setTo = (r: string[], p: string[], e: string[]) => onChange(withKey(phase, 'to', [...r, ...p, ...e]));
  const channels = phase.channels === undefined ? ['in_app', 'email'] : asStrings(phase.channels);
  const toggleChannel = (c: string, on: boolean) => {
    const next = ['in_app', 'email'].filter((x) => (x === c ? on : channels.includes(x)));
    onChange(withKey(phase, 'channels', next));
  };
  return (
    <>
      <Group legend="Tell" path="to" problems={problems.filter((p) => p.path === 'to')}>
        {ROLES.map(([r, words]) => (
          <label key={r} className="pf-check">
            <input type="checkbox" checked={roles.includes(r)} onChange={(e) => setTo(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r), ids, emails)} /> {words}
          </label>
        ))}
      </Group>
      <PeoplePicker legend="People" path="to.people" problems={[]} people={people} value={ids} onChange={(p) => setTo(roles, p, emails)} />
      <EmailList label="Email addresses" path="to.emails" problems={[]} value={emails} onChange={(e) => setTo(roles, ids, e)} />
      <Group legend="Channels" path="channels" problems={problems}>
        <label className="pf-check">
          <input type="checkbox" checked={channels.includes('in_app')} onChange={(e) => toggleChannel('in_app', e.target.checked)} /> In the app
        </label>
        <label className="pf-check">
          <input type="checkbox" checked={channels.includes('email')} onChange={(e) => toggleChannel('email', e.target.checked)} /> Email
        </label>
      </Group>
      <TemplateText label="Message" path="message" problems={problems} value={String(phase.message ?? '')} onChange={(v) => onChange(withKey(phase, 'message', v))} triggerType={triggerType} />
    </>
  );
}

export function CommentForm({ phase, problems, onChange, triggerType }: PhaseFormProps) {
  return <TemplateText label="Comment" path="body" problems={problems} value={String(phase.body ?? '')} onChange={(v) => onChange(withKey(phase, 'body', v))} triggerType={triggerType} rows={4} />;
}

export function ShareEmailForm({ phase, problems, onChange, triggerType }: PhaseFormProps) {
  return (
    <>
      <EmailList label="Send a review link to" path="to" problems={problems} value={asStrings(phase.to)} onChange={(v) => onChange(withKey(phase, 'to', v))} />
      <TemplateText label="Message (optional)" path="message" problems={problems} value={String(phase.message ?? '')} onChange={(v) => onChange(withKey(phase, 'message', v === '' ? undefined : v))} triggerType={triggerType} />
      <Field label="Links expire after" path="linkExpiresIn" problems={problems} hint="Default 72 hours.">
        {(id, d) => <DurationInput id={id} label="Links expire after" describedBy={d} value={phase.linkExpiresIn as string | undefined} onChange={(v) => onChange(withKey(phase, 'linkExpiresIn', v))} />}
      </Field>
    </>
  );
}

// --- condition --------------------------------------------------------------------------

const OPS: Array<[string, string]> = [
  ['eq', 'is'],
  ['neq', 'is not'],
  ['in', 'is one of'],
  ['gt', 'is after / more than'],
  ['gte', 'is at or after / at least'],
  ['lt', 'is before / less than'],
  ['lte', 'is at or before / at most'],
  ['contains', 'contains'],
  ['exists', 'is set'],
];

/** The value as typed → JSON: numbers stay numbers for the ordering operators, lists for "in". */
function valueOf(text: string, op: string): unknown {
  if (op === 'in') return text.split(',').map((s) => s.trim()).filter(Boolean);
  if (['gt', 'gte', 'lt', 'lte'].includes(op) && text.trim() !== '' && !Number.isNaN(Number(text))) return Number(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}
const textOf = (v: unknown) => (v === undefined ? '' : Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : JSON.stringify(v));

export function ConditionForm({ phase, index, phases, problems, onChange, triggerType }: PhaseFormProps) {
  const cond = asObject(phase.if);
  const simple = 'field' in cond || Object.keys(cond).length === 0;
  const op = String(cond.op ?? 'eq');
  const earlier = phases.slice(0, index).filter((p) => p.type === 'ai' || p.type === 'http');
  const suggestions = [...targetFields(triggerType).map((f) => `target.${f}`), ...earlier.map((p) => `phases.${p.id}.output`)];
  const setCond = (c: Record<string, unknown>) => onChange(withKey(phase, 'if', c));
  return (
    <>
      {simple ? (
        <Group legend="If" path="if" problems={problems.filter((p) => p.path === 'if')}>
          <div className="pf-row pf-cond">
            <Field label="Field" path="if.field" problems={problems}>
              {(id, d) => (
                <>
                  <input id={id} list={`${id}-fields`} aria-describedby={d} value={String(cond.field ?? '')} onChange={(e) => setCond({ ...cond, field: e.target.value })} />
                  <datalist id={`${id}-fields`}>{suggestions.map((s) => <option key={s} value={s} />)}</datalist>
                </>
              )}
            </Field>
            <Field label="Operator" path="if.op" problems={problems}>
              {(id, d) => (
                <select id={id} aria-describedby={d} value={op} onChange={(e) => setCond(e.target.value === 'exists' ? withKey({ ...cond, op: e.target.value }, 'value', undefined) : { ...cond, op: e.target.value, value: valueOf(textOf(cond.value), e.target.value) })}>
                  {OPS.map(([k, words]) => (
                    <option key={k} value={k}>
                      {words}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {op !== 'exists' && (
              <Field label={op === 'in' ? 'Values (comma separated)' : 'Value'} path="if.value" problems={problems}>
                {(id, d) => <ConditionValue id={id} describedBy={d} value={cond.value} op={op} onChange={(v) => setCond({ ...cond, value: v })} />}
              </Field>
            )}
          </div>
        </Group>
      ) : (
        <Group legend="If" path="if" problems={problems}>
          <p>
            A combined condition (<code>{Object.keys(cond).join(', ')}</code>); edit it in the JSON view.
          </p>
          <pre className="pf-pre">{JSON.stringify(cond, null, 2)}</pre>
        </Group>
      )}
      <div className="pf-row">
        <Field label="Then go to" path="then" problems={problems}>
          {(id, d) => <JumpSelect id={id} describedBy={d} phases={phases} index={index} value={phase.then as string | undefined} onChange={(v) => onChange(withKey(phase, 'then', v))} />}
        </Field>
        <Field label="Otherwise go to" path="else" problems={problems}>
          {(id, d) => <JumpSelect id={id} describedBy={d} phases={phases} index={index} value={phase.else as string | undefined} onChange={(v) => onChange(withKey(phase, 'else', v))} />}
        </Field>
      </div>
    </>
  );
}

/** Keeps the text as typed (so "1." or "a, " survive) and sends its JSON value up. */
function ConditionValue({ id, describedBy, value, op, onChange }: { id: string; describedBy?: string; value: unknown; op: string; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(textOf(value));
  useEffect(() => {
    if (JSON.stringify(valueOf(text, op)) !== JSON.stringify(value)) setText(textOf(value));
  }, [value]);
  return (
    <input
      id={id}
      aria-describedby={describedBy}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(valueOf(e.target.value, op));
      }}
    />
  );
}

// --- http -------------------------------------------------------------------------------

export function HttpForm({ phase, problems, onChange }: PhaseFormProps) {
  const headers = Object.entries(asObject(phase.headers)).map(([k, v]) => [k, String(v)] as [string, string]);
  const setHeaders = (rows: Array<[string, string]>) => onChange(withKey(phase, 'headers', rows.length ? Object.fromEntries(rows) : undefined));
  const [body, setBody] = useState(phase.body === undefined ? '' : JSON.stringify(phase.body, null, 2));
  const [bodyError, setBodyError] = useState<string | null>(null);
  useEffect(() => {
    let same = false;
    try {
      same = body.trim() === '' ? phase.body === undefined : JSON.stringify(JSON.parse(body)) === JSON.stringify(phase.body);
    } catch {
      same = bodyError !== null;
    }
    if (!same) {
      setBody(phase.body === undefined ? '' : JSON.stringify(phase.body, null, 2));
      setBodyError(null);
    }
  }, [phase.body]);
  return (
    <>
      <div className="pf-row pf-http">
        <Field label="Method" path="method" problems={problems}>
          {(id, d) => (
            <select id={id} aria-describedby={d} value={String(phase.method ?? 'POST').toUpperCase()} onChange={(e) => onChange(withKey(phase, 'method', e.target.value))}>
              {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="URL" path="url" problems={problems}>
          {(id, d) => <input id={id} type="text" inputMode="url" aria-describedby={d} placeholder="https://…" value={String(phase.url ?? '')} onChange={(e) => onChange(withKey(phase, 'url', e.target.value))} />}
        </Field>
      </div>
      <Group legend="Headers" path="headers" problems={problems}>
        {headers.map(([k, v], i) => (
          <div key={i} className="pf-inline pf-header">
            <input aria-label={`Header ${i + 1}`} value={k} onChange={(e) => setHeaders(headers.map((h, j) => (j === i ? [e.target.value, h[1]] : h)))} />
            <input aria-label={`Header ${i + 1} value`} value={v} onChange={(e) => setHeaders(headers.map((h, j) => (j === i ? [h[0], e.target.value] : h)))} />
            <button type="button" aria-label={`Remove header ${k || i + 1}`} onClick={() => setHeaders(headers.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setHeaders([...headers, [`X-Header-${headers.length + 1}`, '']])}>
          Add a header
        </button>
      </Group>
      <Field label="Body (JSON; strings may use {{target.*}} templates)" path="body" problems={problems}>
        {(id, d) => (
          <>
            <textarea
              id={id}
              className="pf-code"
              rows={5}
              aria-describedby={d}
              aria-invalid={bodyError ? true : undefined}
              value={body}
              onChange={(e) => {
                setBody(e.target.value);
                if (e.target.value.trim() === '') {
                  setBodyError(null);
                  return onChange(withKey(phase, 'body', undefined));
                }
                try {
                  const v = JSON.parse(e.target.value);
                  setBodyError(null);
                  onChange(withKey(phase, 'body', v));
                } catch (err) {
                  setBodyError(`Not valid JSON yet: ${(err as Error).message}`);
                }
              }}
            />
            {bodyError && <p className="pf-problem-inline">{bodyError}</p>}
          </>
        )}
      </Field>
      <Field label="Give up after" path="timeout" problems={problems} hint="Default 30 seconds.">
        {(id, d) => <DurationInput id={id} label="Give up after" describedBy={d} value={phase.timeout as string | undefined} onChange={(v) => onChange(withKey(phase, 'timeout', v))} />}
      </Field>
    </>
  );
}

// --- ai ---------------------------------------------------------------------------------

const SIMPLE_TYPES = ['string', 'number', 'integer', 'boolean'];

/** Output fields as rows, when the schema is a flat object of simple types; else null. */
function outputRows(output: unknown): Array<{ name: string; type: string; required: boolean; extra: Record<string, unknown> }> | null {
  const o = asObject(output);
  const keys = Object.keys(o);
  if (o.type !== 'object' || keys.some((k) => !['type', 'properties', 'required'].includes(k))) return null;
  const props = asObject(o.properties);
  const req = asStrings(o.required);
  const rows = [];
  for (const [name, s] of Object.entries(props)) {
    const so = asObject(s);
    if (!SIMPLE_TYPES.includes(String(so.type))) return null;
    rows.push({ name, type: String(so.type), required: req.includes(name), extra: so });
  }
  return rows;
}

export function AiForm({ phase, problems, onChange, triggerType }: PhaseFormProps) {
  const rows = outputRows(phase.output);
  const budget = asObject(phase.budget);
  const setRows = (r: NonNullable<typeof rows>) =>
    onChange(
      withKey(phase, 'output', {
        type: 'object',
        properties: Object.fromEntries(r.map((x) => [x.name, { ...x.extra, type: x.type }])),
        required: r.filter((x) => x.required).map((x) => x.name),
      }),
    );
  const setBudget = (k: string, v: string) => {
    const n = v === '' ? undefined : Number(v);
    const next = withKey(budget, k, n);
    onChange(withKey(phase, 'budget', Object.keys(next).length ? next : undefined));
  };
  return (
    <>
      <TemplateText label="Prompt" path="prompt" problems={problems} value={String(phase.prompt ?? '')} onChange={(v) => onChange(withKey(phase, 'prompt', v))} triggerType={triggerType} rows={4} />
      <Group legend="Answer fields" path="output" problems={problems} hint={rows ? 'Later phases read them as phases.<id>.output.<field>.' : undefined}>
        {rows ? (
          <>
            {rows.map((r, i) => (
              <div key={i} className="pf-inline pf-output">
                <input aria-label={`Answer field ${i + 1}`} value={r.name} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))} />
                <select aria-label={`Answer field ${i + 1} type`} value={r.type} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, type: e.target.value } : x)))}>
                  {SIMPLE_TYPES.map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
                <label className="pf-check">
                  <input type="checkbox" checked={r.required} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, required: e.target.checked } : x)))} /> required
                </label>
                <button type="button" aria-label={`Remove answer field ${r.name}`} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                  ×
                </button>
              </div>
            ))}
            <button type="button" onClick={() => setRows([...rows, { name: `field_${rows.length + 1}`, type: 'string', required: true, extra: {} }])}>
              Add a field
            </button>
          </>
        ) : (
          <>
            <p>A custom JSON Schema; edit it in the JSON view.</p>
            <pre className="pf-pre">{JSON.stringify(phase.output, null, 2)}</pre>
          </>
        )}
      </Group>
      <div className="pf-row">
        <Field label="Token budget" path="budget.maxTokens" problems={problems}>
          {(id, d) => <input id={id} type="number" min={1} step={1} aria-describedby={d} value={budget.maxTokens === undefined ? '' : String(budget.maxTokens)} onChange={(e) => setBudget('maxTokens', e.target.value)} />}
        </Field>
        <Field label="Cost budget (USD)" path="budget.maxCostUsd" problems={problems}>
          {(id, d) => <input id={id} type="number" min={0} step="any" aria-describedby={d} value={budget.maxCostUsd === undefined ? '' : String(budget.maxCostUsd)} onChange={(e) => setBudget('maxCostUsd', e.target.value)} />}
        </Field>
      </div>
      {problems.filter((p) => p.path === 'budget').map((p, i) => (
        <p key={i} className="pf-problem-inline" role="alert" data-path={p.path}>
          Budget: {p.message}
        </p>
      ))}
      <Field label="Model (optional)" path="model" problems={problems} hint="The server's default model when empty.">
        {(id, d) => <input id={id} aria-describedby={d} value={String(phase.model ?? '')} onChange={(e) => onChange(withKey(phase, 'model', e.target.value || undefined))} />}
      </Field>
    </>
  );
}
