import { z } from 'zod';
import { closestName } from '../options-check.js';
import type { PayloadContext } from './esp-features.js';

/**
 * The one espExtra policy, for every ESP (issue #15). An ESP declares what its `espExtra` may
 * hold as a zod schema typed from its own API; then, for every message:
 * - a value the schema accepts is used as parsed;
 * - an unknown key or a wrong value is an `AnymailUnsupportedFeature` (feature `espExtra`) that
 *   names each problem, the closest valid key for a misspelt one, and the keys allowed;
 * - with `ignoreUnsupportedFeatures`, the keys that are valid on their own are kept and the rest
 *   dropped (nothing invalid ever reaches the ESP);
 * - `check` (the ESP's header checks on values it writes into header lines) runs on what is
 *   kept, in both cases: header injection is never "ignored".
 */
export function parseEspExtra<Extra>(
  schema: z.ZodType<Extra>,
  value: Record<string, unknown>,
  context: PayloadContext,
  check?: (extra: Extra) => void,
): Extra {
  const parsed = schema.safeParse(value);
  if (parsed.success) {
    check?.(parsed.data);
    return parsed.data;
  }
  const allowed = allowedKeys(schema);
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys
        .map((key) => {
          const near = allowed && closestName(key, allowed);
          return `unknown field "${key}"${near ? ` (did you mean "${near}"?)` : ''}`;
        })
        .join(', ');
    }
    return `${issue.path.map(String).join('.') || 'espExtra'}: ${issue.message}`;
  });
  const others = otherKeys(schema);
  const allowedText = allowed ? `; allowed: ${[...allowed, ...(others ? [others] : [])].join(', ')}` : '';
  context.unsupported('espExtra', `${problems.join('; ')}${allowedText}`);
  // ignoreUnsupportedFeatures: keep the keys that are valid on their own.
  const kept = keepValidKeys(schema, value);
  check?.(kept);
  return kept;
}

/**
 * The keys an object schema allows (undefined for a schema that is not a plain object). A schema
 * that transforms (`object.transform(...)`, a pipe) allows the keys of its input object.
 */
export function allowedKeys(schema: z.ZodType): string[] | undefined {
  if (schema instanceof z.ZodPipe) return allowedKeys(schema.in as z.ZodType);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : undefined;
}

/**
 * What an object schema says about the keys beyond its shape: the description of its catchall
 * (`.catchall(z.unknown().describe("h:<Header>, v:<name>"))`, keys checked by a refinement).
 */
function otherKeys(schema: z.ZodType): string | undefined {
  if (schema instanceof z.ZodPipe) return otherKeys(schema.in as z.ZodType);
  return schema instanceof z.ZodObject ? (schema.def.catchall as z.ZodType | undefined)?.description : undefined;
}

function keepValidKeys<Extra>(schema: z.ZodType<Extra>, value: Record<string, unknown>): Extra {
  const kept: Record<string, unknown> = {};
  if (schema instanceof z.ZodObject) {
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      if (key in value && field.safeParse(value[key]).success) kept[key] = value[key];
    }
  } else {
    // A record-like schema (e.g. Mailgun's "o:*"/"h:*" keys): keep each entry the schema accepts alone.
    for (const [key, item] of Object.entries(value)) {
      if (schema.safeParse({ [key]: item }).success) kept[key] = item;
    }
  }
  const parsed = schema.safeParse(kept);
  return (parsed.success ? parsed.data : {}) as Extra;
}
