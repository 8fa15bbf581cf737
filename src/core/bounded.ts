/**
 * Sets `key` in a map that keeps at most `max` entries, dropping the oldest first. For maps whose keys
 * come from requests (query strings, selections): a client must not be able to grow them without end.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value as K);
  map.set(key, value);
}
