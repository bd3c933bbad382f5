/// <reference path="./microlith-actor-types.d.ts" />
declare module 'microlith:actor/state@0.1.0' {
  /**
   * Returns the value stored under `key`, or `none` if there is none.
   */
  export function get(key: string): Uint8Array | undefined;
  /**
   * Stores `value` under `key`, replacing any earlier value.
   */
  export function set(key: string, value: Uint8Array): void;
  /**
   * Removes `key`. Removing a missing key is not an error.
   */
  export { _delete as delete };
  function _delete(key: string): void;
  /**
   * Returns up to `limit` entries whose keys start with `prefix`, in key
   * order, starting after `start-after` when given (for paging).
   * The host caps `limit` at its own maximum page size.
   */
  export function scan(prefix: string, startAfter: string | undefined, limit: number): Array<Entry>;
  export type StateError = import('microlith:actor/types@0.1.0').StateError;
  /**
   * One key and its value, as returned by `scan`.
   */
  export interface Entry {
    /**
     * The key.
     */
    key: string,
    /**
     * The value stored under it.
     */
    value: Uint8Array,
  }
}
