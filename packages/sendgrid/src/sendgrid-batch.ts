// Recipients and merge data → SendGrid personalizations (the batch decision lives here).
import { randomUUID } from 'node:crypto';
import { AnymailSerializationError, deepMerge, type JsonObject, type JsonValue } from '@anymail/core';
import type { SendGridAddress, SendGridPersonalization } from './sendgrid-types.js';

/** The custom arg that carries Anymail's message id; webhooks read it back. */
export const ANYMAIL_ID_ARG = 'anymail_id';

export interface RecipientList {
  addresses: SendGridAddress[];
  /** Bare addresses (status keys), parallel to `addresses`. */
  emails: string[];
}

/** What the response parser needs: which recipients got which generated id. */
export interface SendGridRequestContext {
  personalizations: Array<{ anymailId: string | undefined; emails: string[] }>;
}

export interface PersonalizationInput {
  to: RecipientList;
  cc: RecipientList | undefined;
  bcc: RecipientList | undefined;
  dynamicTemplate: boolean;
  mergeFieldFormat: string | undefined;
  generateMessageId: boolean;
  mergeData: Record<string, JsonObject> | undefined;
  mergeGlobalData: JsonObject | undefined;
  mergeMetadata: Record<string, JsonObject> | undefined;
  mergeHeaders: Record<string, Record<string, string>> | undefined;
  /** `espExtra.personalizations`, merged into each one. */
  extra: Record<string, unknown> | undefined;
}

/** SendGrid's custom_args values must be strings: strings pass, anything else is sent as JSON. */
export function stringifyArgs(values: JsonObject): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key in values) {
    const value = values[key];
    result[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return result;
}

function stringifyHeaders(headers: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key in headers) result[key] = String(headers[key]);
  return result;
}

function substitutionValue(key: string, value: JsonValue | undefined): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new AnymailSerializationError(
    `SendGrid legacy substitutions take text, but merge field "${key}" is ${Array.isArray(value) ? 'an array' : 'an object'}. ` +
      "Flatten it, or use a dynamic template (templateId 'd-…'), whose dynamic_template_data takes any JSON.",
    { espName: 'SendGrid' },
  );
}

/** Legacy substitutions: string values, keys through the merge field format ('-{}-' → '-name-'). */
function substitutions(data: JsonObject, format: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key in data) result[format ? format.replace('{}', key) : key] = substitutionValue(key, data[key]);
  return result;
}

function lookup<T>(byEmail: Record<string, T> | undefined, email: string): T | undefined {
  if (byEmail === undefined) return undefined;
  return byEmail[email] ?? byEmail[email.toLowerCase()];
}

/**
 * One personalization per to-recipient (cc and bcc copied into each) when any per-recipient
 * merge feature is set; otherwise one personalization for everyone, even with global data.
 */
export function buildPersonalizations(input: PersonalizationInput): {
  personalizations: SendGridPersonalization[];
  context: SendGridRequestContext;
} {
  const batch = input.mergeData !== undefined || input.mergeMetadata !== undefined || input.mergeHeaders !== undefined;
  const groups: RecipientList[] = batch
    ? input.to.addresses.map((address, i) => ({ addresses: [address], emails: [input.to.emails[i]!] }))
    : [input.to];
  if (groups.length === 0) groups.push(input.to);
  const personalizations: SendGridPersonalization[] = [];
  const context: SendGridRequestContext = { personalizations: [] };
  for (const group of groups) {
    let personalization: SendGridPersonalization = { to: group.addresses };
    const emails = group.emails.slice();
    if (input.cc) {
      personalization.cc = input.cc.addresses;
      emails.push(...input.cc.emails);
    }
    if (input.bcc) {
      personalization.bcc = input.bcc.addresses;
      emails.push(...input.bcc.emails);
    }
    const key = batch ? group.emails[0] : undefined;
    const recipientData = key === undefined ? undefined : lookup(input.mergeData, key);
    const data = input.mergeGlobalData && recipientData ? { ...input.mergeGlobalData, ...recipientData } : (recipientData ?? input.mergeGlobalData);
    if (data) {
      if (input.dynamicTemplate) personalization.dynamic_template_data = data;
      else personalization.substitutions = substitutions(data, input.mergeFieldFormat);
    }
    const metadata = key === undefined ? undefined : lookup(input.mergeMetadata, key);
    const anymailId = input.generateMessageId ? randomUUID() : undefined;
    if (metadata || anymailId) {
      const args = metadata ? stringifyArgs(metadata) : {};
      if (anymailId) args[ANYMAIL_ID_ARG] = anymailId;
      personalization.custom_args = args;
    }
    const headers = key === undefined ? undefined : lookup(input.mergeHeaders, key);
    if (headers) personalization.headers = stringifyHeaders(headers);
    if (input.extra) personalization = deepMerge(personalization as unknown as Record<string, unknown>, input.extra) as unknown as SendGridPersonalization;
    personalizations.push(personalization);
    context.personalizations.push({ anymailId, emails });
  }
  return { personalizations, context };
}

export { stringifyHeaders };
