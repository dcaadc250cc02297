import { AnymailSerializationError, assertHeaderValue } from '@anymail/core';
import { z } from 'zod';

// Field names and enums from Mailgun's OpenAPI spec, POST /v3/{domain_name}/messages request body.
const yesNo = z.enum(['yes', 'no', 'true', 'false']);
const yesNoHtmlOnly = z.enum(['yes', 'no', 'true', 'false', 'htmlonly']);
const jsonValue: z.ZodType<unknown> = z.json();

const knownFieldsSchema = z.strictObject({
  /** Anymail option: the Mailgun domain to send this message through. */
  senderDomain: z.string().min(1),
  'o:tag': z.union([z.string(), z.array(z.string())]),
  'o:dkim': yesNo,
  'o:secondary-dkim': z.string(),
  'o:secondary-dkim-public': z.string(),
  'o:deliverytime': z.string(),
  'o:deliver-within': z.string().regex(/^(\d+h)?(\d+m)?$/, "like '1h30m'"),
  'o:deliverytime-optimize-period': z.string().regex(/^\d+h$/, "like '24h'"),
  'o:time-zone-localize': z.string(),
  'o:testmode': z.enum(['yes']),
  'o:tracking': yesNoHtmlOnly,
  'o:tracking-clicks': yesNoHtmlOnly,
  'o:tracking-opens': yesNo,
  'o:require-tls': yesNo,
  'o:skip-verification': yesNo,
  'o:sending-ip': z.string(),
  'o:sending-ip-pool': z.string(),
  'o:tracking-pixel-location-top': yesNoHtmlOnly,
  'o:archive-to': z.string(),
  'o:suppress-headers': z.string(),
  template: z.string(),
  't:version': z.string(),
  't:text': z.enum(['yes']),
  /** A JSON string, or an object Anymail serializes. */
  't:variables': z.union([z.string(), z.record(z.string(), jsonValue)]),
}).partial();

type KnownFields = z.input<typeof knownFieldsSchema>;

/**
 * `espExtra` for Mailgun: Anymail's `senderDomain`, any request field of Mailgun's send API
 * (typed where the spec lists it), headers as `h:Name` and variables as `v:name`. Other
 * `o:`/`t:` options Mailgun adds later pass through as strings.
 */
export type MailgunEspExtra = KnownFields & {
  [header: `h:${string}`]: string | undefined;
  [variable: `v:${string}`]: unknown;
  [option: `o:${string}`]: string | string[] | undefined;
  [templateOption: `t:${string}`]: string | Record<string, unknown> | undefined;
};

/** espExtra, checked and turned into form fields (senderDomain kept apart). */
export interface ParsedMailgunExtra {
  senderDomain: string | undefined;
  /** Field name → values (a repeated field has several). */
  fields: Map<string, string[]>;
}

function fail(detail: string): never {
  throw new AnymailSerializationError(
    `Mailgun espExtra ${detail}. espExtra takes senderDomain and Mailgun's own send-API fields ` +
      "('o:…', 'h:…', 'v:…', 't:…', 'template'); see https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages",
    { espName: 'Mailgun' },
  );
}

const jsonString = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

export function parseMailgunExtra(extra: Record<string, unknown>): ParsedMailgunExtra {
  const known: Record<string, unknown> = {};
  const fields = new Map<string, string[]>();
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) continue;
    if (key in knownFieldsSchema.shape) known[key] = value;
    else if (/^h:[!-9;-~]+$/.test(key)) {
      if (typeof value !== 'string') fail(`field ${JSON.stringify(key)} must be a string header value`);
      fields.set(key, [value]);
    } else if (/^v:.+/.test(key)) {
      const parsed = jsonValue.safeParse(value);
      if (!parsed.success) fail(`field ${JSON.stringify(key)} must be JSON-serializable`);
      fields.set(key, [jsonString(value)]);
    } else if (/^[ot]:[a-z0-9-]+$/.test(key)) {
      if (typeof value === 'string') fields.set(key, [value]);
      else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) fields.set(key, value as string[]);
      else fail(`field ${JSON.stringify(key)} must be a string`);
    } else fail(`has an unknown key ${JSON.stringify(key)}`);
  }
  const result = knownFieldsSchema.safeParse(known);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    fail(`field ${JSON.stringify(String(issue.path[0] ?? ''))} is invalid: ${issue.message}`);
  }
  const { senderDomain, ...rest } = result.data;
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) fields.set(key, value);
    else fields.set(key, [jsonString(value)]);
  }
  // h: fields are header lines and o: options become X-Mailgun-* ones (o:tag → X-Mailgun-Tag):
  // core's one rule for header values applies to each (issue #13).
  for (const [key, values] of fields) {
    if (key.startsWith('h:') || key.startsWith('o:')) for (const value of values) assertHeaderValue(`Mailgun espExtra[${JSON.stringify(key)}]`, value);
  }
  return { senderDomain, fields };
}
