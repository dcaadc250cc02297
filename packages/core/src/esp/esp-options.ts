import { z } from 'zod';
import { AnymailConfigurationError } from '../errors.js';
import { checkOptions } from '../options-check.js';
import { getSettings, settingEnvNames } from '../settings.js';
import { registerEspOptions, type EspOptionsDefinition } from './esp-options-registry.js';

export type { EspOptionsDefinition } from './esp-options-registry.js';

const fn = <T>(what: string) => z.custom<T>((value) => typeof value === 'function', { message: `expected ${what}` });

/**
 * Every field `sendDefaults` takes (the EmailMessage fields but `connection` and
 * `contentSubtype`): a mistyped one is an error, not a default silently never applied.
 */
export const sendDefaultsSchema = z.strictObject({
  subject: z.string().optional(),
  body: z.string().optional(),
  from: z.string().optional(),
  to: z.union([z.string(), z.array(z.string())]).optional(),
  cc: z.union([z.string(), z.array(z.string())]).optional(),
  bcc: z.union([z.string(), z.array(z.string())]).optional(),
  replyTo: z.union([z.string(), z.array(z.string())]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  attachments: z.array(z.unknown()).optional(),
  alternatives: z.array(z.object({ content: z.string(), mimetype: z.string() })).optional(),
  envelopeSender: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  tags: z.array(z.string()).optional(),
  trackClicks: z.boolean().optional(),
  trackOpens: z.boolean().optional(),
  sendAt: z.union([z.date(), z.number()]).optional(),
  templateId: z.string().optional(),
  mergeData: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  mergeGlobalData: z.record(z.string(), z.unknown()).optional(),
  mergeMetadata: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  mergeHeaders: z.record(z.string(), z.record(z.string(), z.string())).optional(),
  espExtra: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The options every ESP backend shares (see `BaseEspBackendOptions`), as a zod shape an ESP's
 * schema extends. Documented in @anymail/core's README.
 */
export const baseEspOptionsShape = {
  failSilently: z.boolean().optional(),
  sendDefaults: sendDefaultsSchema.optional(),
  sendConcurrency: z.number().int().min(1).optional(),
  apiUrl: z.string().optional(),
  timeoutMs: z.number().positive().optional(),
  connectTimeoutMs: z.number().positive().optional(),
  deadlineMs: z.number().positive().optional(),
  ignoreUnsupportedFeatures: z.boolean().optional(),
  ignoreRecipientStatus: z.boolean().optional(),
  fetch: fn<(input: string | URL | Request, init?: RequestInit) => Promise<Response>>('a fetch function').optional(),
  maxResponseBytes: z.number().int().positive().optional(),
  connections: z.number().int().positive().optional(),
  debugLog: fn<(line: string) => void>('a function').optional(),
};

/** Metadata on an ESP option: the environment variables it is read from. */
export interface EspOptionMeta {
  env?: readonly string[];
}

/** The standard environment names of an ESP option (MAILGUN_API_KEY, ANYMAIL_MAILGUN_API_KEY) as option metadata. */
export function envMeta(esp: string, name: string, extra: readonly string[] = []): { env: readonly string[] } {
  return { env: settingEnvNames(esp, name, extra) };
}


/**
 * Declare an ESP's options: the shared ones plus `shape` (each with `.meta(envMeta(...))` when
 * it has environment variables), strict. Registered so `configure({ anymail })` checks them.
 */
export function defineEspOptions<Shape extends z.ZodRawShape>(
  espName: string,
  settingsKey: string,
  shape: Shape,
): EspOptionsDefinition<z.ZodObject<typeof baseEspOptionsShape & Shape, z.core.$strict>> {
  const schema = z.strictObject({ ...baseEspOptionsShape, ...shape });
  const definition = { espName, settingsKey, schema };
  registerEspOptions(definition as unknown as EspOptionsDefinition);
  return definition;
}

/** The environment variable names each option of a definition is read from. */
export function espOptionEnvNames(definition: EspOptionsDefinition): Record<string, readonly string[]> {
  const names: Record<string, readonly string[]> = {};
  for (const [key, field] of Object.entries(definition.schema.shape)) {
    const meta = (field as z.ZodType).meta() as EspOptionMeta | undefined;
    if (meta?.env) names[key] = meta.env;
  }
  return names;
}

/**
 * A backend's options, checked strictly (unknown key: an error naming the closest valid one),
 * with the `configure({ anymail: { <key>: … } })` block (checked too) under them, so the shared
 * settings such as ignoreUnsupportedFeatures, ignoreRecipientStatus and sendDefaults work
 * from configure. ESP-specific values still fall back to the environment through `loadSetting`.
 */
export function resolveEspOptions<S extends z.ZodObject>(definition: EspOptionsDefinition<S>, options: unknown): z.output<S> {
  const given = checkOptions(definition.schema, options ?? {}, `${definition.espName} options`);
  const anymail = getSettings().anymail ?? {};
  const key = Object.keys(anymail).find((name) => name.toLowerCase() === definition.settingsKey.toLowerCase());
  if (key === undefined) return given;
  const fromSettings = checkOptions(definition.schema, anymail[key], `settings anymail.${key} (${definition.espName})`);
  const defined = Object.fromEntries(Object.entries(given as Record<string, unknown>).filter(([, value]) => value !== undefined));
  return { ...fromSettings, ...defined } as z.output<S>;
}

/**
 * `true` when an options interface and its schema name the same keys; an ESP writes
 * `const check: OptionsMatchSchema<Options, typeof def> = true` so the two cannot drift apart.
 */
export type OptionsMatchSchema<Options, Definition extends EspOptionsDefinition> = [keyof Options] extends [
  keyof z.input<Definition['schema']>,
]
  ? [keyof z.input<Definition['schema']>] extends [keyof Options]
    ? true
    : false
  : false;

/**
 * The resolved settings checked against `schema`: every problem in one AnymailConfigurationError
 * ("Invalid Postmark settings: serverToken must not be empty; …"). Write the schema's messages
 * so they never quote a secret.
 */
export function checkSettings<S extends z.ZodType>(espName: string, schema: S, raw: z.input<S>): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => issue.message).join('; ');
  throw new AnymailConfigurationError(`Invalid ${espName} settings: ${problems}`, { espName });
}

/** An API base URL with the trailing '/' relative request paths need. */
export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
