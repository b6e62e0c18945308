/**
 * Freezes plain objects and arrays, recursively, so that a caller mutating a shared cached value fails loudly
 * (a TypeError in strict-mode code) instead of silently corrupting what every later caller sees.
 *
 * Only plain objects (prototype `Object.prototype` or null) and arrays are frozen and descended into. Maps, Sets,
 * typed arrays, Buffers, Dates and class instances are left as they are (freezing cannot protect a Map's
 * contents, typed arrays cannot be frozen, and class instances may keep lazy internal state). An object that is
 * already frozen is taken as already deeply frozen.
 */
export function deepFreeze<T>(value: T): T {
  freeze(value);
  return value;
}

function freeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  if (Array.isArray(value)) {
    Object.freeze(value);
    for (const item of value) freeze(item);
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) freeze((value as Record<string, unknown>)[key]);
}
