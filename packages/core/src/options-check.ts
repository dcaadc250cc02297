import type { z } from 'zod';
import { AnymailConfigurationError } from './errors.js';

/** Edit distance (insert, delete, replace) between two short strings, case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[y.length]!;
}

/** The valid name closest to a mistyped one, when it is close enough to be what was meant. */
export function closestName(name: string, valid: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** "unknown option servertoken (did you mean serverToken?)" for each unknown key. */
export function describeUnknownKeys(keys: readonly string[], valid: Iterable<string>, prefix = ''): string[] {
  const names = [...valid];
  return keys.map((key) => {
    const near = closestName(key, names);
    return `unknown option ${prefix}${key}${near ? ` (did you mean ${prefix}${near}?)` : ''}`;
  });
}

/** The keys of a zod object schema at `path` (for suggestions), when it is one. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  for (const step of path) {
    const shape = (current as { shape?: Record<string, unknown> }).shape;
    current = shape?.[String(step)];
    // Unwrap optional() to reach the object inside.
    while (current && (current as { unwrap?: () => unknown }).unwrap && !(current as { shape?: unknown }).shape) {
      current = (current as { unwrap: () => unknown }).unwrap();
    }
  }
  const shape = (current as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

/**
 * Check `value` against a strict zod object schema. Problems become one
 * AnymailConfigurationError naming each bad key (never its value: it may be a secret) and,
 * for an unknown key, the closest valid one.
 */
export function checkOptions<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => {
    const prefix = issue.path.length ? `${issue.path.join('.')}.` : '';
    if (issue.code === 'unrecognized_keys') return describeUnknownKeys(issue.keys, keysAt(schema, issue.path), prefix);
    const where = issue.path.length ? issue.path.join('.') : '(options)';
    return [`${where}: ${issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message}`];
  });
  throw new AnymailConfigurationError(`Invalid ${what}: ${problems.join('; ')}.`);
}
