/** Sign in with email and password; a user of several orgs picks one. */
import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../api';
import { ErrorBox } from '../ui';

export function Login({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [orgs, setOrgs] = useState<{ orgId: string; role: string }[] | null>(null);
  const [orgId, setOrgId] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post('/api/auth/login', { email, password, ...(orgId ? { orgId } : {}) });
      onSignedIn();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'org_required' && Array.isArray(err.details)) {
        setOrgs(err.details as { orgId: string; role: string }[]);
        setOrgId((err.details as { orgId: string }[])[0]?.orgId ?? '');
      } else setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="page narrow">
      <h1>Sign in to Flowgate</h1>
      <form onSubmit={submit} className="form">
        <label htmlFor="email">Email</label>
        <input id="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        <label htmlFor="password">Password</label>
        <input id="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        {orgs && (
          <>
            <label htmlFor="org">Organization</label>
            <select id="org" value={orgId} onChange={(e) => setOrgId(e.target.value)}>
              {orgs.map((o) => (
                <option key={o.orgId} value={o.orgId}>
                  {o.orgId} ({o.role})
                </option>
              ))}
            </select>
          </>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <ErrorBox error={error} />
    </main>
  );
}
