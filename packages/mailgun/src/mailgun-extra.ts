import { assertHeaderValue } from '@anymail/core/esp';
import { z } from 'zod';

// Field names and enums from Mailgun's OpenAPI spec, POST /v3/{domain_name}/messages request body.
const yesNo = z.enum(['yes', 'no', 'true', 'false']);
const yesNoHtmlOnly = z.enum(['yes', 'no', 'true', 'false', 'htmlonly']);
const jsonValue: z.ZodType<unknown> = z.json();

const knownFieldsSchema = z
  .object({
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
  })
  .partial();

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

/** espExtra as the payload uses it: checked, and turned into form fields (senderDomain kept apart). */
export interface MailgunExtra {
  senderDomain: string | undefined;
  /** Field name → values (a repeated field has several). */
  fields: Map<string, string[]>;
}

const HEADER_KEY = /^h:[!-9;-~]+$/;
const VARIABLE_KEY = /^v:.+/;
const OPTION_KEY = /^[ot]:[a-z0-9-]+$/;

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Why a key outside the typed fields is refused: undefined when it is a valid h:/v:/o:/t: field. */
function patternProblem(key: string, value: unknown): 'unknown' | string | undefined {
  if (HEADER_KEY.test(key)) return typeof value === 'string' ? undefined : 'must be a string header value';
  if (VARIABLE_KEY.test(key)) return jsonValue.safeParse(value).success ? undefined : 'must be JSON-serializable';
  if (OPTION_KEY.test(key)) return typeof value === 'string' || isStringList(value) ? undefined : 'must be a string';
  return 'unknown';
}

const jsonString = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The checked espExtra → form fields, in the order given. */
function toMailgunExtra(extra: Record<string, unknown>): MailgunExtra {
  let senderDomain: string | undefined;
  const fields = new Map<string, string[]>();
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) continue;
    if (key === 'senderDomain') senderDomain = String(value);
    else if (isStringList(value)) fields.set(key, value);
    else fields.set(key, [jsonString(value)]);
  }
  return { senderDomain, fields };
}

/**
 * What `espExtra` may hold for Mailgun (core's one espExtra policy applies: an unknown key or a
 * wrong value is AnymailUnsupportedFeature naming it): the typed fields above, plus `h:<Header>`
 * (string), `v:<name>` (any JSON value; non-strings sent as JSON) and further `o:`/`t:` options
 * (strings). Parsed into the form fields the payload adds.
 * https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages
 */
export const mailgunExtraSchema = knownFieldsSchema
  .catchall(z.unknown().describe("'h:<Header>', 'v:<variable>', other 'o:<option>' and 't:<option>' fields"))
  .superRefine((extra, ctx) => {
    for (const [key, value] of Object.entries(extra)) {
      if (value === undefined || key in knownFieldsSchema.shape) continue;
      const problem = patternProblem(key, value);
      if (problem === 'unknown') ctx.addIssue({ code: 'unrecognized_keys', keys: [key], input: extra });
      else if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: problem, input: value });
    }
  })
  .transform(toMailgunExtra);

/**
 * h: fields are header lines and o: options become X-Mailgun-* ones (o:tag → X-Mailgun-Tag):
 * core's one rule for header values applies to each (issue #13).
 */
export function assertMailgunExtraHeaders(extra: MailgunExtra): void {
  for (const [key, values] of extra.fields) {
    if (key.startsWith('h:') || key.startsWith('o:')) for (const value of values) assertHeaderValue(`Mailgun espExtra[${JSON.stringify(key)}]`, value);
  }
}
