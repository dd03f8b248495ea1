import type { Command } from 'commander';
import { registerApprovalCommands } from './approvals.js';
import { registerRunCommands } from './runs.js';

/** Commands that talk to a running server over HTTP (runs, approvals, audit). */
export function registerClientCommands(program: Command, _deps: { isPostgresUrl(s: string): boolean }) {
  registerRunCommands(program);
  registerApprovalCommands(program);
}
