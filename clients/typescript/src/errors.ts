/**
 * Every failure the client reports is a `MicrolithError` with a stable
 * `code`: one of the server's codes (`docs/http-api.md`, `docs/protocol.md`:
 * `unknown_method`, `bad_request`, `overloaded`, …) or one of the client's
 * own, listed in {@link ClientErrorCode}.
 */
export class MicrolithError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "MicrolithError";
    this.code = code;
  }
}

/** Codes the client itself produces (the server never sends these). */
export type ClientErrorCode =
  /** The connection dropped while the call was in flight, and the call had no idempotency key. */
  | "disconnected"
  /** No answer within the call's `timeoutMs`. */
  | "timeout"
  /** `close()` was called. */
  | "closed"
  /** The server said `goodbye` with a reason that makes reconnecting pointless. */
  | "goodbye"
  /** A frame from the server could not be understood. */
  | "protocol_error";

/** Server error codes after which a subscription is retried rather than ended. */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "overloaded",
  "shutting_down",
  "commit_failed",
  "deadline_exceeded",
  "unknown_class", // a restarting server may accept connections before its classes are back
]);
