/** The org admin's forms on the spaces page: a new space, a new person, the flow control limit. */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { api, get, post } from '../../api';
import { ErrorBox } from '../../ui';
import { useAction } from '../run/parts';

export function NewSpaceForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [done, setDone] = useState('');
  const action = useAction();
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone('');
    if (await action.run(() => post('/api/spaces', { name: name.trim() }))) {
      setDone(`Space “${name.trim()}” created.`);
      setName('');
      onCreated();
    }
  };
  return (
    <form className="form sp-box" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>New space</h2>
      <label htmlFor={`${id}-name`}>Space name</label>
      <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      <button type="submit" disabled={action.busy || !name.trim()}>
        Create space
      </button>
      <ErrorBox error={action.error} />
      {done && <p role="status">{done}</p>}
    </form>
  );
}

const EMPTY_PERSON = { name: '', email: '', password: '', role: 'member' };

export function AddPersonForm({ canMakeOwner, onAdded }: { canMakeOwner: boolean; onAdded: () => void }) {
  const [p, setP] = useState(EMPTY_PERSON);
  const [done, setDone] = useState('');
  const action = useAction();
  const id = useId();
  const field = (k: keyof typeof EMPTY_PERSON) => ({ id: `${id}-${k}`, value: p[k], onChange: (e: { target: { value: string } }) => setP({ ...p, [k]: e.target.value }) });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone('');
    if (await action.run(() => post('/api/users', { ...p, name: p.name.trim(), email: p.email.trim() }))) {
      setDone(`${p.name.trim()} was added to the organization.`);
      setP(EMPTY_PERSON);
      onAdded();
    }
  };
  return (
    <form className="form sp-box" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Add person</h2>
      <label htmlFor={`${id}-name`}>Name</label>
      <input {...field('name')} required maxLength={200} />
      <label htmlFor={`${id}-email`}>Email</label>
      <input {...field('email')} type="email" required />
      <label htmlFor={`${id}-password`}>Initial password</label>
      <input {...field('password')} type="password" autoComplete="new-password" required />
      <label htmlFor={`${id}-role`}>Organization role</label>
      <select {...field('role')}>
        <option value="member">member</option>
        <option value="admin">admin</option>
        {canMakeOwner && <option value="owner">owner</option>}
      </select>
      <button type="submit" disabled={action.busy}>
        Add person
      </button>
      <ErrorBox error={action.error} />
      {done && <p role="status">{done}</p>}
    </form>
  );
}

interface Org {
  id: string;
  name: string;
  maxActiveRuns: number;
}

export function FlowControlForm() {
  const [org, setOrg] = useState<Org | null>(null);
  const [value, setValue] = useState('');
  const [done, setDone] = useState('');
  const load = useAction();
  const save = useAction();
  const id = useId();
  const show = (o: Org) => (setOrg(o), setValue(String(o.maxActiveRuns)));
  useEffect(() => {
    void load.run(() => get<Org>('/api/org').then(show));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone('');
    if (await save.run(() => api<Org>('PATCH', '/api/org', { maxActiveRuns: Number(value) }).then(show))) setDone('Limit saved.');
  };
  return (
    <form className="form sp-box" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Flow control</h2>
      <p className="muted">
        The most runs of {org ? `“${org.name}”` : 'this organization'} executing at once; further runs wait in a queue until a slot frees up. 0 holds every new
        run until the limit is raised.
      </p>
      <label htmlFor={`${id}-max`}>Runs executing at once</label>
      <input id={`${id}-max`} type="number" min={0} max={100000} step={1} value={value} onChange={(e) => setValue(e.target.value)} required disabled={!org} />
      <button type="submit" disabled={save.busy || !org || value === ''}>
        Save limit
      </button>
      <ErrorBox error={load.error ?? save.error} />
      {done && <p role="status">{done}</p>}
    </form>
  );
}
