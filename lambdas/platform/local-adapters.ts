/**
 * Adapters the local runtime puts in place of AWS ones, the same hook as the local event bus: one
 * process-wide slot per use, typed by the port it holds. Composition roots read a slot and fall
 * back to the AWS adapters when nothing is installed, as in a deployed function. Only interfaces
 * pass through here; the local adapters themselves live with the local runtime.
 */
export interface LocalSlot<T> {
  readonly key: symbol;
  /** Carries the type only. */
  readonly held?: T;
}

export const localSlot = <T>(name: string): LocalSlot<T> => ({
  key: Symbol.for(`cost-management.local.${name}`),
});

type Holder = Record<symbol, unknown>;

/** The local runtime installs its adapters before loading the handlers; `undefined` removes them. */
export function installLocalAdapters<T>(slot: LocalSlot<T>, adapters: T | undefined): void {
  (globalThis as Holder)[slot.key] = adapters;
}

export function localAdapters<T>(slot: LocalSlot<T>): T | undefined {
  return (globalThis as Holder)[slot.key] as T | undefined;
}
