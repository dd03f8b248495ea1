import type { Command } from 'commander';

/** Commands that talk to a running server over HTTP (runs, approvals, audit). */
export function registerClientCommands(_program: Command, _deps: { isPostgresUrl(s: string): boolean }) {}
