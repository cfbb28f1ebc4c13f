// Typed errors with a code from a fixed union; lib/action-result.ts maps them once.

export type ErrorCode =
  | "InvalidInput"
  | "Unauthenticated"
  | "Forbidden"
  | "NotFound"
  | "InventoryInvalid"
  | "HostUnreachable"
  | "HostKeyRejected"
  | "CommandTimeout"
  | "GuardRefused"
  | "Conflict"
  | "RateLimited"
  | "Internal";

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = code;
  }
}

export const httpStatus: Record<ErrorCode, number> = {
  InvalidInput: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  InventoryInvalid: 500,
  HostUnreachable: 502,
  HostKeyRejected: 502,
  CommandTimeout: 504,
  GuardRefused: 409,
  Conflict: 409,
  RateLimited: 429,
  Internal: 500,
};

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
