import { z } from 'zod';
import { BaseEmailBackend } from './backends/base-email-backend.js';
import { AnymailConfigurationError } from './errors.js';
import { checkAnymailSettings } from './esp/esp-options-registry.js';
import { closestName } from './options-check.js';

const backendSpecSchema = z.union([
  z.string().min(1),
  // Checked at parse time (not z.instanceof at load time): settings and backends import each other.
  z.custom<BaseEmailBackend>((value) => value instanceof BaseEmailBackend, { message: 'expected a backend instance' }),
  z.custom<new (options?: never) => BaseEmailBackend>(
    (value) => typeof value === 'function' && value.prototype instanceof BaseEmailBackend,
    { message: 'expected a backend class' },
  ),
]);

const aliasSpecSchema = z.union([
  backendSpecSchema,
  z.strictObject({ backend: backendSpecSchema, options: z.record(z.string(), z.unknown()).optional() }),
]);

const addressListSchema = z.array(z.string());

/** Everything `configure()` accepts. Unknown keys are an error. */
export const settingsSchema = z.strictObject({
  /** Default backend: an alias from `backends`, a built-in name ('console', 'smtp', …), a module specifier, or a class. */
  emailBackend: backendSpecSchema.optional(),
  /** Named backends, for `getConnection('alias')`. */
  backends: z.record(z.string(), aliasSpecSchema).optional(),
  /** Sender when a message has no `from` (Django's DEFAULT_FROM_EMAIL). */
  defaultFromEmail: z.string().optional(),
  /** Sender of mailAdmins/mailManagers (Django's SERVER_EMAIL). */
  serverEmail: z.string().optional(),
  /** Recipients of mailAdmins (Django's ADMINS): addresses, or [name, address] pairs. */
  admins: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])).optional(),
  managers: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])).optional(),
  /** Prefix of mailAdmins/mailManagers subjects (Django's EMAIL_SUBJECT_PREFIX). */
  emailSubjectPrefix: z.string().optional(),
  /** Options for the built-in SMTP backend. */
  smtp: z
    .strictObject({
      host: z.string().optional(),
      port: z.number().int().positive().optional(),
      username: z.string().optional(),
      password: z.string().optional(),
      useTls: z.boolean().optional(),
      useSsl: z.boolean().optional(),
      timeoutMs: z.number().positive().optional(),
      connectTimeoutMs: z.number().positive().optional(),
      /** TLS client certificate files (Django's EMAIL_SSL_KEYFILE / EMAIL_SSL_CERTFILE). */
      sslKeyfile: z.string().optional(),
      sslCertfile: z.string().optional(),
      tls: z
        .strictObject({
          rejectUnauthorized: z.boolean().optional(),
          servername: z.string().optional(),
          ca: z.union([z.string(), z.instanceof(Buffer)]).optional(),
        })
        .optional(),
    })
    .optional(),
  /** Per-ESP options, keyed by the ESP's lower-case name: `{ mailgun: { apiKey } }`. */
  anymail: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /** Directory where FileBackend writes .eml files (Django's EMAIL_FILE_PATH). */
  emailFilePath: z.string().optional(),
  /** Log ESP requests (secrets redacted) through this function. */
  debugLog: z.custom<(line: string) => void>((value) => typeof value === 'function').optional(),
});

export type AnymailSettings = z.input<typeof settingsSchema>;
export type BackendSpec = z.infer<typeof backendSpecSchema>;
export type AliasSpec = z.infer<typeof aliasSpecSchema>;
export { addressListSchema };

let current: AnymailSettings = {};

/** Replace the settings (validated; an unknown or mistyped key is an error naming it). */
export function configure(settings: AnymailSettings): AnymailSettings {
  const parsed = settingsSchema.safeParse(settings);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path.length ? issue.path.join('.') : '(settings)';
      if (issue.code === 'unrecognized_keys') {
        const valid = issue.path.length === 0 ? Object.keys(settingsSchema.shape) : [];
        return issue.keys
          .map((k) => {
            const near = closestName(k, valid);
            return `unknown setting ${[...issue.path, k].join('.')}${near ? ` (did you mean ${near}?)` : ''}`;
          })
          .join(', ');
      }
      return `${path}: ${issue.message}`;
    });
    throw new AnymailConfigurationError(`Invalid Anymail settings: ${problems.join('; ')}`);
  }
  checkAnymailSettings(settings.anymail);
  current = { ...settings };
  return current;
}

/** The settings in force. */
export function getSettings(): Readonly<AnymailSettings> {
  return current;
}

export interface LoadSettingOptions<T> {
  /** ESP key, e.g. 'mailgun' → env MAILGUN_<NAME> and ANYMAIL_MAILGUN_<NAME>. */
  esp: string;
  /** Option name in camelCase, e.g. 'apiKey'. */
  name: string;
  /** The value passed to the constructor, if any. */
  value?: T | undefined;
  /** Default when nothing is set; omit to make the setting required. */
  default?: T;
  /** Convert an environment string. */
  fromEnv?: (raw: string) => T;
  /** Extra env var names to try, after the standard ones. */
  extraEnv?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * `fromEnv` for boolean settings: true/false, 1/0, yes/no, on/off (any case). Anything else is an
 * error that `loadSetting` reports with the variable's name.
 */
export function parseBooleanSetting(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new Error("expected 'true' or 'false'");
}

function upperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The environment variables a setting is read from, in order. */
export function settingEnvNames(esp: string, name: string, extra: readonly string[] = []): string[] {
  const espUpper = upperSnake(esp);
  const setting = upperSnake(name);
  return [`${espUpper}_${setting}`, `ANYMAIL_${espUpper}_${setting}`, ...extra];
}

/**
 * Look a setting up: constructor option, then `configure({ anymail: { esp: { name } } })`,
 * then the environment. When required and missing, the error names every place it tried.
 */
export function loadSetting<T = string>(options: LoadSettingOptions<T>): T {
  if (options.value !== undefined) return options.value;
  const espSettings = (ownValue(current.anymail, options.esp) ?? ownValue(current.anymail, options.esp.toLowerCase())) as
    | Record<string, unknown>
    | undefined;
  const fromSettings = ownValue(espSettings, options.name);
  if (fromSettings !== undefined) return fromSettings as T;
  const env = options.env ?? process.env;
  const envNames = settingEnvNames(options.esp, options.name, options.extraEnv);
  for (const envName of envNames) {
    const raw = env[envName];
    if (raw === undefined || raw === '') continue;
    if (!options.fromEnv) return raw as T;
    try {
      return options.fromEnv(raw);
    } catch (error) {
      // The raw value may be a secret: name the variable, not its content.
      throw new AnymailConfigurationError(
        `The environment variable ${envName} has an invalid value for the ${options.esp} setting "${options.name}": ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
  }
  if ('default' in options) return options.default as T;
  throw new AnymailConfigurationError(
    `Missing ${options.esp} setting "${options.name}". Set it with the ${options.name} option, ` +
      `configure({ anymail: { ${options.esp.toLowerCase()}: { ${options.name}: … } } }), or the environment variable ${envNames.join(' or ')}.`,
  );
}

/** `record[key]` when it is the record's own property (never something inherited like `constructor`). */
function ownValue(record: Record<string, unknown> | undefined, key: string): unknown {
  if (record === undefined || !Object.prototype.hasOwnProperty.call(record, key)) return undefined;
  return record[key];
}
