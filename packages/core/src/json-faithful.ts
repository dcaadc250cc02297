/**
 * Would JSON give a value back unchanged? Used wherever a message waits as JSON (the message
 * codec, the outbox): a value that JSON would silently change (a Date turning into a string,
 * a Map into `{}`, NaN into null) is refused up front, with the field's path and a fix.
 */

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A readable path to a child: `metadata.when`, `tags[2]`, `mergeData["ann@example.com"]`. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Why JSON would not give `value` back unchanged, naming `path` and the fix, or undefined
 * when it would. `why` ends each sentence's reason ("the outbox keeps … as JSON").
 */
export function jsonProblem(value: unknown, path: string, why = 'it is kept as JSON'): string | undefined {
  return unfaithful(value, path, [], why);
}

function unfaithful(value: unknown, path: string, ancestors: object[], why: string): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      if (!Number.isFinite(value)) return `${path} is ${value}, which JSON stores as null (${why}). Use a finite number or null.`;
      return Object.is(value, -0) ? `${path} is -0, which JSON stores as 0 (${why}). Use 0.` : undefined;
    case 'bigint':
      return `${path} is a BigInt, which JSON cannot store (${why}). Pass it as a string (String(value)) or, if it is small enough, a number.`;
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}, which JSON cannot store (${why}). Remove it, or replace it with the data it stands for.`;
    case 'undefined':
      return `${path} is undefined inside a list, which JSON stores as null (${why}). Remove it from the list or use null.`;
  }
  if (value === null) return undefined;
  const object = value as object;
  if (ancestors.includes(object)) return `${path} refers back to an object that contains it; JSON cannot store a cycle. Pass a copy without the cycle.`;
  if (object instanceof Date) {
    return `${path} is a Date, which JSON would turn into a string (${why}). Pass date.toISOString() or epoch milliseconds (date.getTime()) instead.`;
  }
  if (object instanceof Map || object instanceof Set) {
    const fix = object instanceof Map ? 'Object.fromEntries(map)' : 'Array.from(set)';
    return `${path} is a ${object.constructor.name}, which JSON would store as {} (${why}). Pass ${fix} instead.`;
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return `${path} is binary data, which JSON cannot store faithfully (${why}). Encode it as text (for example base64) first.`;
  }
  const inner = [...ancestors, object];
  if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) {
      if (!(index in object)) return `${childPath(path, index)} is a hole in a sparse list, which JSON stores as null. Fill it or remove it.`;
      const problem = unfaithful(object[index], childPath(path, index), inner, why);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isPlainObject(object)) {
    const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain';
    return `${path} is a ${name} object; JSON keeps only plain objects and arrays faithfully (${why}). Convert it to a plain object first.`;
  }
  if (Object.getOwnPropertySymbols(object).length) return `${path} has symbol keys, which JSON drops (${why}). Use string keys.`;
  for (const [key, item] of Object.entries(object)) {
    // An undefined property means "not set"; JSON leaves it out, and reading it back gives undefined again.
    if (item === undefined) continue;
    const problem = unfaithful(item, childPath(path, key), inner, why);
    if (problem) return problem;
  }
  return undefined;
}
