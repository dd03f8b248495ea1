/**
 * One error base with stable codes. Every layer throws these; the API maps them to HTTP
 * in one place (src/api/errors.ts). `code` is part of the public contract.
 */
export class FlowgateError extends Error {
  readonly code: string;
  readonly details?: unknown;

  constructor(code: string, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

/** Bad input; `details` lists each bad field by path. `code` names the kind (default invalid_input). */
export class InvalidInputError extends FlowgateError {
  constructor(message: string, details?: Array<{ path: string; message: string }>, code = 'invalid_input') {
    super(code, message, { details });
  }
}

export class UnauthenticatedError extends FlowgateError {
  constructor(message = 'Sign in first: send "Authorization: Bearer <token>".') {
    super('unauthenticated', message);
  }
}

export class ForbiddenError extends FlowgateError {
  constructor(message: string, code = 'forbidden') {
    super(code, message);
  }
}

export class NotFoundError extends FlowgateError {
  constructor(what: string) {
    super('not_found', `${what} was not found.`);
  }
}

/** A request that does not fit the current state of the thing it acts on. */
export class ConflictError extends FlowgateError {
  constructor(message: string, code = 'conflict', details?: unknown) {
    super(code, message, { details });
  }
}

/** A guest link that expired, was used up, or whose gate or run is no longer waiting. */
export class GoneError extends FlowgateError {
  constructor(message: string, code = 'gone') {
    super(code, message);
  }
}

export class RateLimitedError extends FlowgateError {
  constructor(message = 'Too many requests; try again in a minute.') {
    super('rate_limited', message);
  }
}

/**
 * A method that needs a particular state met another one. Names the state it found, so a
 * lost race reads clearly in logs.
 */
export class IllegalStateError extends FlowgateError {
  constructor(message: string, readonly found?: string) {
    super('illegal_state', message);
  }
}
