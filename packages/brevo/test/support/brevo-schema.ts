// Validates request bodies against Brevo's own API description (the `sendSmtpEmail` definition of
// shared/esp-specs/brevo/swagger.yaml, extracted to test/fixtures/brevo-smtp-email.swagger.json),
// with ajv, resolving the spec's `$ref`s from the spec itself.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

const SPEC_PATH = new URL('../fixtures/brevo-smtp-email.swagger.json', import.meta.url);

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  [keyword: string]: unknown;
}

/**
 * THE ONE ADDITION WE RELY ON: per-version `headers` in `messageVersions` (how per-recipient
 * metadata, as X-Mailin-custom, and mergeHeaders travel in a batch). The spec does not list it;
 * django-anymail sends it for the same purpose (third-party, observed). Declared here, once,
 * as an object of string values like the top-level `headers`.
 */
function allowVersionHeaders(definitions: Record<string, Schema>): void {
  definitions.sendSmtpEmail_messageVersions!.properties!.headers = { type: 'object', additionalProperties: { type: 'string' } };
}

/**
 * Not a fix but a tightening: the spec allows unknown properties, so a misspelt field would pass.
 * Refuse fields the spec does not name, in the request, its versions, addresses and attachments;
 * and header values must be strings (Brevo refuses numbers, as django-anymail notes).
 */
function refuseUnknownFields(definitions: Record<string, Schema>): void {
  for (const name of Object.keys(definitions)) {
    if (name.startsWith('sendSmtpEmail')) definitions[name]!.additionalProperties = false;
  }
  definitions.sendSmtpEmail!.properties!.headers = { type: 'object', additionalProperties: { type: 'string' } };
}

function compile(): ValidateFunction {
  const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as { definitions: Record<string, Schema> };
  allowVersionHeaders(spec.definitions);
  refuseUnknownFields(spec.definitions);
  // strict: false lets ajv skip Swagger-only keywords (example, x-*, …).
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The spec's formats, checked loosely rather than ignored.
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat('url', (value: string) => URL.canParse(value));
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isSafeInteger(value) });
  ajv.addSchema({ ...spec, $id: 'brevo-smtp-email' }, 'brevo-smtp-email');
  return ajv.compile({ $ref: 'brevo-smtp-email#/definitions/sendSmtpEmail' });
}

let validator: ValidateFunction | undefined;

/** Problems with a `POST /v3/smtp/email` body, as readable strings ([] when valid). */
export function smtpEmailProblems(body: unknown): string[] {
  validator ??= compile();
  if (validator(body)) return [];
  return (validator.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}
