import { argumentError } from './probe.js';

/** An optional threshold in bytes: a non-negative number. */
export function validBytes(value: unknown, factory: string, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw argumentError(factory, name, 'a number of bytes, 0 or more', value);
  return value;
}

/** An optional threshold as a ratio from 0 to 1. */
export function validRatio(value: unknown, factory: string, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    throw argumentError(factory, name, 'a ratio from 0 to 1', value);
  return value;
}

/** Bytes as people read them: `512 MiB`. */
export function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
