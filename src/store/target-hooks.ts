/**
 * Reactions to target changes that must happen in the same transaction as the change: the
 * engine registers them once at start-up (approval gates re-evaluate; triggers record their
 * events). Hooks get only the transaction and the event, so they hold no per-server state.
 */
import type { Transaction } from 'kysely';
import type { DB } from './schema.js';
import type { TargetEvent } from './targets.js';

export type TargetHook = (trx: Transaction<DB>, event: TargetEvent) => Promise<void>;

const hooks = new Set<TargetHook>();

export function onTargetEvent(hook: TargetHook): void {
  hooks.add(hook);
}

export async function runTargetHooks(trx: Transaction<DB>, event: TargetEvent): Promise<void> {
  for (const hook of hooks) await hook(trx, event);
}
