/**
 * The value `map` keeps under `key`; the first time it is asked for, `make` makes it and the map keeps it.
 * For the one-per-bus, one-per-registry, one-per-socket things.
 */
export function entryOf<K, V>(
  map: { get(key: K): V | undefined; set(key: K, value: V): unknown },
  key: K,
  make: () => V,
): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/**
 * Sets `key` in a map that keeps at most `max` entries, dropping the oldest first. For maps whose keys
 * come from requests (query strings, selections): a client must not be able to grow them without end.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value as K);
  map.set(key, value);
}
