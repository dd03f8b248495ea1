import type { FastifyRequest } from 'fastify';
import type { Database } from '../store/db.js';
import type { Config } from '../config.js';
import { UnauthenticatedError } from '../core/errors.js';
import type { Engine } from '../runtime/engine.js';

export type OrgRole = 'owner' | 'admin' | 'member';
export type SpaceRole = 'editor' | 'viewer';

/** Who is calling: resolved from the bearer token (or session cookie) on every request. */
export interface Auth {
  userId: string;
  orgId: string;
  orgRole: OrgRole;
  tokenId: string;
  isInstanceAdmin: boolean;
}

/** Everything route handlers need, passed in once when the app is built. */
export interface AppContext {
  db: Database;
  config: Config;
  /** Milliseconds since the epoch; injected so tests can move time. */
  now: () => number;
  /** The run engine: routes call `wake()` after a commit that made jobs due, and apply manual controls through it. */
  engine: Engine;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: Auth | null;
  }
}

export function requireAuth(req: FastifyRequest): Auth {
  if (!req.auth) throw new UnauthenticatedError();
  return req.auth;
}
