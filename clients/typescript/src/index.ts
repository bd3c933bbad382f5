export { connect, Client, Subscription, randomKey, PROTOCOL_VERSION } from "./client.js";
export type {
  CallOptions,
  ChangeInfo,
  ConnectOptions,
  Status,
  StatusDetail,
  SubscribeOptions,
  WebSocketConstructor,
  WebSocketLike,
} from "./client.js";
export { MicrolithError, TRANSIENT_CODES } from "./errors.js";
export type { ClientErrorCode } from "./errors.js";
export { applyPatch, cloneJson, jsonEqual, parsePointer, PatchError } from "./patch.js";
export type { JsonValue, PatchOperation } from "./patch.js";
export { backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export type { BackoffOptions } from "./backoff.js";
