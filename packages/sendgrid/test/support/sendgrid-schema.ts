// Validates request bodies against SendGrid's own OpenAPI request schema (tsg_mail_v3.json),
// with ajv, resolving the spec's `$ref`s from the spec itself.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { expect } from 'vitest';

const SPEC_PATH = new URL('../fixtures/tsg_mail_v3.json', import.meta.url);
const REQUEST_SCHEMA = '#/components/requestBodies/PostMailSend/content/application~1json/schema';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  [keyword: string]: unknown;
}

/**
 * THE ONE SPEC BUG WE WORK AROUND: the spec types the message-level `custom_args` as
 * `{"type": "string"}`, but the API takes an object of string values (as the personalization-level
 * `custom_args` is typed, and as SendGrid's docs describe it). Anymail sends metadata there as an
 * object, so we retype it to `{type: object, additionalProperties: {type: string}}` here, once.
 */
function fixMessageLevelCustomArgs(requestSchema: Schema): void {
  const properties = requestSchema.properties!;
  expect(properties.custom_args).toEqual({ type: 'string', description: expect.any(String) });
  properties.custom_args = { type: 'object', additionalProperties: { type: 'string' } };
}

/**
 * Not a fix but a tightening: the spec allows unknown properties, so a misspelt field would pass.
 * Refuse fields the spec does not name, at message and personalization level.
 */
function refuseUnknownFields(requestSchema: Schema): void {
  requestSchema.additionalProperties = false;
  requestSchema.properties!.personalizations!.items!.additionalProperties = false;
}

function compile(): ValidateFunction {
  const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as { components: { requestBodies: Record<string, Schema> } };
  const requestSchema = (spec.components.requestBodies.PostMailSend!.content as Record<string, { schema: Schema }>)['application/json']!.schema;
  fixMessageLevelCustomArgs(requestSchema);
  refuseUnknownFields(requestSchema);
  // strict: false lets ajv skip OpenAPI-only keywords (example, nullable on non-schemas, …).
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The spec declares `format: email`; check it loosely (one @, no spaces) rather than ignore it.
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  ajv.addSchema({ ...spec, $id: 'sendgrid-mail-v3' }, 'sendgrid-mail-v3');
  return ajv.compile({ $ref: `sendgrid-mail-v3${REQUEST_SCHEMA}` });
}

let validator: ValidateFunction | undefined;

/** Problems with a Mail Send body, as readable strings ([] when valid). */
export function mailSendProblems(body: unknown): string[] {
  validator ??= compile();
  if (validator(body)) return [];
  return (validator.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

/** Assert a body validates against SendGrid's request schema. */
export function expectValidMailSend(body: unknown): void {
  expect(mailSendProblems(body)).toEqual([]);
}
