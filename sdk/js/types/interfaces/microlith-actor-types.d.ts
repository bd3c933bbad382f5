declare module 'microlith:actor/types@0.1.0' {
  /**
   * The address of an actor: its class (service name) and key.
   */
  export interface ActorRef {
    /**
     * Class name, e.g. `chat`.
     */
    'class': string,
    /**
     * Key inside the class, e.g. `room-42`.
     */
    key: string,
  }
  /**
   * Why a turn failed, as reported by the guest's `handle`.
   * 
   * The host commits nothing for a turn that returns an error.
   */
  export type HandleError = HandleErrorUnknownMethod | HandleErrorBadRequest | HandleErrorFailed;
  /**
   * The method name is not one this class understands.
   */
  export interface HandleErrorUnknownMethod {
    tag: 'unknown-method',
    val: string,
  }
  /**
   * The payload could not be decoded or was invalid for the method.
   */
  export interface HandleErrorBadRequest {
    tag: 'bad-request',
    val: string,
  }
  /**
   * The request was understood but the actor refused or failed it.
   */
  export interface HandleErrorFailed {
    tag: 'failed',
    val: string,
  }
  /**
   * Why a call or a one-way send to another actor failed.
   * 
   * Whatever the error, the callee's turn (if it ran) committed nothing,
   * except for `timeout`, where the callee may still finish its turn.
   */
  export type CallError = CallErrorUnknownClass | CallErrorUnknownMethod | CallErrorBadRequest | CallErrorFailed | CallErrorTrapped | CallErrorCycle | CallErrorTimeout | CallErrorUnavailable | CallErrorInvalid;
  /**
   * No class of that name is deployed.
   */
  export interface CallErrorUnknownClass {
    tag: 'unknown-class',
    val: string,
  }
  /**
   * The callee does not know the method.
   */
  export interface CallErrorUnknownMethod {
    tag: 'unknown-method',
    val: string,
  }
  /**
   * The callee rejected the payload.
   */
  export interface CallErrorBadRequest {
    tag: 'bad-request',
    val: string,
  }
  /**
   * The callee's turn returned an error.
   */
  export interface CallErrorFailed {
    tag: 'failed',
    val: string,
  }
  /**
   * The callee's turn trapped, ran past its deadline or its memory cap.
   */
  export interface CallErrorTrapped {
    tag: 'trapped',
    val: string,
  }
  /**
   * Waiting would deadlock: these actors, in order, each wait for the
   * next, and the last one for the first. The call was not delivered.
   */
  export interface CallErrorCycle {
    tag: 'cycle',
    val: Array<ActorRef>,
  }
  /**
   * No reply came within the timeout, in milliseconds.
   */
  export interface CallErrorTimeout {
    tag: 'timeout',
    val: number,
  }
  /**
   * The callee cannot take messages now (mailbox full, runtime
   * shutting down); retrying later may succeed.
   */
  export interface CallErrorUnavailable {
    tag: 'unavailable',
    val: string,
  }
  /**
   * The address, payload or reply is invalid or too large, or a
   * per-turn limit on messages was reached.
   */
  export interface CallErrorInvalid {
    tag: 'invalid',
    val: string,
  }
  /**
   * Why an alarm operation was refused.
   */
  export type AlarmError = AlarmErrorInvalidName | AlarmErrorTooMany;
  /**
   * The alarm name is empty or longer than this many bytes.
   */
  export interface AlarmErrorInvalidName {
    tag: 'invalid-name',
    val: number,
  }
  /**
   * The actor already has this many alarms, the most allowed.
   */
  export interface AlarmErrorTooMany {
    tag: 'too-many',
    val: number,
  }
  /**
   * Why a state operation was refused. Refusals are ordinary results: the
   * guest may handle them, and the turn goes on.
   */
  export type StateError = StateErrorKeyTooLarge | StateErrorValueTooLarge | StateErrorTurnQuotaExceeded;
  /**
   * The key is longer than the host's per-key limit (in bytes).
   */
  export interface StateErrorKeyTooLarge {
    tag: 'key-too-large',
    val: number,
  }
  /**
   * The value is longer than the host's per-value limit (in bytes).
   */
  export interface StateErrorValueTooLarge {
    tag: 'value-too-large',
    val: number,
  }
  /**
   * The turn's writes would exceed the per-turn write budget (in bytes).
   */
  export interface StateErrorTurnQuotaExceeded {
    tag: 'turn-quota-exceeded',
    val: bigint,
  }
}
