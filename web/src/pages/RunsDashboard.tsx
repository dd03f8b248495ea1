/** The runs dashboard: every run across the caller's spaces, filtered, with bulk actions. */
import { RunsBrowser } from '../components/RunsBrowser';

export function RunsDashboard() {
  return (
    <>
      <h1>Runs</h1>
      <RunsBrowser />
    </>
  );
}
