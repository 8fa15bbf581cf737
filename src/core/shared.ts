/** Something several users share: made by the first who asks, stopped when the last lets go. */
interface Entry<T> {
  readonly value: T;
  readonly stop: () => void;
  users: number;
}

/** A user's hold on a shared thing: `release()` lets go (once; later calls do nothing). */
export interface Held<T> {
  readonly value: T;
  release(): void;
}

/**
 * Holds the thing `entries` keeps under `key`, starting it with `start` if nobody holds it yet. Two
 * mounts, two setups or two copies of the package asking for the same thing then share one.
 */
export function holdShared<K, T>(entries: Map<K, Entry<T>>, key: K, start: () => { value: T; stop(): void }): Held<T> {
  let entry = entries.get(key);
  if (entry === undefined) {
    const { value, stop } = start();
    entry = { value, stop, users: 0 };
    entries.set(key, entry);
  }
  entry.users++;
  const held = entry;
  let released = false;
  return {
    value: held.value,
    release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      held.stop();
      if (entries.get(key) === held) entries.delete(key);
    },
  };
}

/** The map of shared things kept on `owner` under `slot` (for one per bus, registry, provider…). */
export function sharedOn<K, T>(owners: WeakMap<object, Map<K, Entry<T>>>, owner: object): Map<K, Entry<T>> {
  let entries = owners.get(owner);
  if (entries === undefined) {
    entries = new Map();
    owners.set(owner, entries);
  }
  return entries;
}

export type SharedEntries<K, T> = Map<K, Entry<T>>;
