import { entryOf } from './bounded.js';

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
  const held = entryOf(entries, key, () => ({ ...start(), users: 0 }));
  held.users++;
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

/** The map of shared things kept for `owner` (one per bus, registry, provider…). */
export function sharedOn<K, T>(owners: WeakMap<object, Map<K, Entry<T>>>, owner: object): Map<K, Entry<T>> {
  return entryOf(owners, owner, () => new Map<K, Entry<T>>());
}

export type SharedEntries<K, T> = Map<K, Entry<T>>;
