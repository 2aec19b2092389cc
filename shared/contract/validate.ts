/**
 * A tiny hand-written validation helper. A `Validator<T>` either returns the value typed as
 * `T` or throws a `ValidationError` naming the offending path ("payload.priorities[3].index:
 * expected an integer >= 0, got -1"). Objects are strict: unknown keys are rejected.
 * No Node, no DOM: shared by both processes and both transports.
 */
import { isBase64 } from './base64.js';

export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export type Validator<T> = (value: unknown, path: string) => T;

/** Runs a validator on untrusted input. Throws ValidationError. */
export function parse<T>(validator: Validator<T>, value: unknown, path = 'value'): T {
  return validator(value, path);
}

/** Like parse, but returns a result instead of throwing. */
export function check<T>(
  validator: Validator<T>,
  value: unknown,
  path = 'value',
): { ok: true; value: T } | { ok: false; error: ValidationError } {
  try {
    return { ok: true, value: validator(value, path) };
  } catch (err) {
    if (err instanceof ValidationError) return { ok: false, error: err };
    throw err;
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'nothing';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

function fail(path: string, expected: string, value: unknown): never {
  throw new ValidationError(path, `expected ${expected}, got ${describe(value)}`);
}

export interface StringOptions {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** Human description used in errors when the pattern does not match. */
  what?: string;
}

export function string(options: StringOptions = {}): Validator<string> {
  const { min = 0, max = 1 << 20, pattern, what } = options;
  return (value, path) => {
    if (typeof value !== 'string') fail(path, what ?? 'a string', value);
    if (value.length < min) fail(path, `${what ?? 'a string'} of at least ${min} characters`, value);
    if (value.length > max) fail(path, `${what ?? 'a string'} of at most ${max} characters`, value);
    if (pattern && !pattern.test(value)) fail(path, what ?? `a string matching ${String(pattern)}`, value);
    return value;
  };
}

export interface NumberOptions {
  integer?: boolean;
  min?: number;
  max?: number;
}

export function number(options: NumberOptions = {}): Validator<number> {
  const { integer = false, min = -Number.MAX_VALUE, max = Number.MAX_VALUE } = options;
  const what = `${integer ? 'an integer' : 'a finite number'}${min > -Number.MAX_VALUE ? ` >= ${min}` : ''}${
    max < Number.MAX_VALUE ? ` <= ${max}` : ''
  }`;
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, what, value);
    if (integer && !Number.isInteger(value)) fail(path, what, value);
    if (value < min || value > max) fail(path, what, value);
    return value;
  };
}

export const boolean: Validator<boolean> = (value, path) => {
  if (typeof value !== 'boolean') fail(path, 'a boolean', value);
  return value;
};

export const nullValue: Validator<null> = (value, path) => {
  if (value !== null) fail(path, 'null', value);
  return null;
};

export function literal<const T extends string | number | boolean>(...allowed: T[]): Validator<T> {
  const what = allowed.map((a) => JSON.stringify(a)).join(' | ');
  return (value, path) => {
    if (!(allowed as unknown[]).includes(value)) fail(path, `one of ${what}`, value);
    return value as T;
  };
}

export function nullable<T>(inner: Validator<T>): Validator<T | null> {
  return (value, path) => (value === null ? null : inner(value, path));
}

export function optional<T>(inner: Validator<T>): Validator<T | undefined> {
  return (value, path) => (value === undefined ? undefined : inner(value, path));
}

export function array<T>(item: Validator<T>, options: { max?: number; min?: number } = {}): Validator<T[]> {
  const { max = 1 << 20, min = 0 } = options;
  return (value, path) => {
    if (!Array.isArray(value)) fail(path, 'an array', value);
    if (value.length > max) fail(path, `an array of at most ${max} items`, value);
    if (value.length < min) fail(path, `an array of at least ${min} items`, value);
    const out: T[] = new Array<T>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = item(value[i], `${path}[${i}]`);
    return out;
  };
}

type TupleValidators<T extends readonly unknown[]> = { [K in keyof T]: Validator<T[K]> };

export function tuple<const T extends readonly unknown[]>(...items: TupleValidators<T>): Validator<T> {
  return (value, path) => {
    if (!Array.isArray(value) || value.length !== items.length) fail(path, `a tuple of ${items.length} items`, value);
    const out: unknown[] = [];
    for (let i = 0; i < items.length; i++) {
      const v = items[i] as Validator<unknown>;
      out.push(v(value[i], `${path}[${i}]`));
    }
    return out as unknown as T;
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export type Shape<T> = { [K in keyof T]-?: Validator<T[K]> };

/**
 * A strict object validator: every key in `shape` is validated (optional ones may be absent),
 * unknown keys are rejected, and the result is a fresh object (no prototype tricks survive).
 */
export function object<T extends object>(shape: Shape<T>): Validator<T> {
  const keys = Object.keys(shape) as Array<keyof T & string>;
  const known = new Set<string>(keys);
  return (value, path) => {
    if (!isPlainObject(value)) fail(path, 'an object', value);
    for (const key of Object.keys(value)) {
      if (!known.has(key)) throw new ValidationError(`${path}.${key}`, 'unknown field');
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const v = shape[key] as Validator<unknown>;
      const field = Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
      const parsed = v(field, `${path}.${key}`);
      if (parsed !== undefined) out[key] = parsed;
    }
    return out as T;
  };
}

/** A union of object shapes told apart by a string `type`-like discriminant field. */
export function discriminated<K extends string, T extends { [P in K]: string }>(
  key: K,
  variants: { [V in T[K]]: Validator<Extract<T, { [P in K]: V }>> },
): Validator<T> {
  const table = variants as Record<string, Validator<T>>;
  const names = Object.keys(table);
  return (value, path) => {
    if (!isPlainObject(value)) fail(path, 'an object', value);
    const tag = value[key];
    const v = typeof tag === 'string' && Object.prototype.hasOwnProperty.call(table, tag) ? table[tag] : undefined;
    if (!v) fail(`${path}.${key}`, `one of ${names.map((n) => JSON.stringify(n)).join(' | ')}`, tag);
    return v(value, path);
  };
}

// ---- Common domain validators ----

/** 40 lower-case hex characters (SHA-1 info-hash, v1). */
export const infoHash: Validator<string> = string({ pattern: /^[0-9a-f]{40}$/, what: 'an info-hash (40 lower-case hex characters)' });

/** Standard base64 (RFC 4648 with padding); `max` is in characters. */
export function base64(max: number): Validator<string> {
  const bounded = string({ max, what: 'a base64 string' });
  return (value, path) => {
    const text = bounded(value, path);
    if (!isBase64(text)) fail(path, 'a base64 string', text);
    return text;
  };
}

export const nonNegativeInt: Validator<number> = number({ integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
export const nonNegative: Validator<number> = number({ min: 0 });
export const fraction: Validator<number> = number({ min: 0, max: 1 });
export const timestamp: Validator<number> = nonNegativeInt;
