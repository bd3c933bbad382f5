declare module 'microlith:actor/log@0.1.0' {
  /**
   * Writes `message` at `level`. Long messages are truncated by the host.
   */
  export function write(level: Level, message: string): void;
  /**
   * Severity of a log record.
   * # Variants
   * 
   * ## `"trace"`
   * 
   * Very detailed diagnostics.
   * ## `"debug"`
   * 
   * Diagnostics.
   * ## `"info"`
   * 
   * Normal events.
   * ## `"warn"`
   * 
   * Something unexpected that the actor survived.
   * ## `"error"`
   * 
   * A failure.
   */
  export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
}
