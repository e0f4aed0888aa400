/**
 * The error hierarchy. Every error that may reach a person carries an HTTP
 * status, a stable machine-readable `code`, and a message that is safe to show
 * (it never contains internals). Anything else that escapes is answered as a
 * 500 with a generic message and logged in full.
 */
export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: names what is wrong (and where, e.g. a line number). */
export class ValidationError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 400, 'invalid_input', details);
  }
}

/** No usable credentials; the message says what certificate is expected. */
export class AuthenticationError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 401, 'unauthenticated', details);
  }
}

/** Authenticated, but outside the principal's role or scope. */
export class ForbiddenError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 403, 'forbidden', details);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 404, 'not_found', details);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 409, 'conflict', details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 413, 'payload_too_large', details);
  }
}

/** A dependency (the database, a peer) is unavailable; the caller may retry. */
export class UnavailableError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 503, 'unavailable', details);
  }
}

/** A configuration problem found at start; the message names the setting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
