import type { JsonObject, PayloadContext } from '@anymail/core/esp';

/**
 * Mailgun batch sending and personalization. Mailgun substitutes `%recipient.<name>%` from
 * `recipient-variables` (a JSON object keyed by each `to` address) anywhere in the message,
 * including `v:` and `h:` field values, and sends each `to` its own copy. Stored templates
 * read `v:` variables, so per-recipient template data goes through `v:name = %recipient.name%`.
 * @see https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/batch-sending
 */

/** Recipient-variable name prefixes that keep metadata and headers apart from merge data. */
export const METADATA_VARIABLE_PREFIX = 'anymail_metadata_';
export const HEADER_VARIABLE_PREFIX = 'anymail_header_';

export interface MergeInput {
  /** Bare `to` addresses, in order. */
  to: string[];
  usesTemplate: boolean;
  metadata: JsonObject | undefined;
  headers: Record<string, string> | undefined;
  mergeData: Record<string, JsonObject> | undefined;
  mergeGlobalData: JsonObject | undefined;
  mergeMetadata: Record<string, JsonObject> | undefined;
  mergeHeaders: Record<string, Record<string, string>> | undefined;
}

export interface MergeFields {
  /** `v:` variables: name → value. */
  variables: ReadonlyMap<string, string>;
  /** Headers that vary per recipient: name → `%recipient.…%` placeholder. */
  headers: ReadonlyMap<string, string>;
  /** The recipient-variables JSON, in batch sends only. */
  recipientVariables: string | undefined;
}

/** A `v:` value: strings as is, anything else as JSON (Mailgun parses JSON `v:` values). */
export function variableValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function unionKeys(records: Iterable<Record<string, unknown>>): string[] {
  const keys = new Set<string>();
  for (const record of records) for (const key of Object.keys(record)) keys.add(key);
  return [...keys];
}

/** An own property (never an inherited one such as `toString`). */
function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A recipient's entry, matching the address exactly or else case-insensitively. */
function forAddress<T>(record: Record<string, T> | undefined, address: string): T | undefined {
  const exact = own(record, address);
  if (exact !== undefined || record === undefined) return exact;
  const lower = address.toLowerCase();
  for (const [key, value] of Object.entries(record)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function findHeader(headers: Record<string, string> | undefined, lowerName: string): string | undefined {
  if (!headers) return undefined;
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}

/** True when the message is a Mailgun batch send (any per-recipient feature, even empty). */
export function isBatch(input: Pick<MergeInput, 'mergeData' | 'mergeMetadata' | 'mergeHeaders'>): boolean {
  return input.mergeData !== undefined || input.mergeMetadata !== undefined || input.mergeHeaders !== undefined;
}

/** The common case (no metadata, no merge features): nothing to add. */
const NO_MERGE_FIELDS: MergeFields = { variables: new Map(), headers: new Map(), recipientVariables: undefined };

export function buildMergeFields(input: MergeInput, context: PayloadContext): MergeFields {
  const batch = isBatch(input);
  if (!batch && input.metadata === undefined && input.mergeGlobalData === undefined) return NO_MERGE_FIELDS;
  const variables = new Map<string, string>();
  const headers = new Map<string, string>();
  const perRecipient: Record<string, Record<string, unknown>> = {};
  for (const address of input.to) perRecipient[address] ??= {};

  // Template (and batch) data.
  const globalData = input.mergeGlobalData ?? {};
  const dataKeys = unionKeys(Object.values(input.mergeData ?? {}));
  if (!input.usesTemplate && input.mergeGlobalData && !batch) {
    context.unsupported('mergeGlobalData', 'without a templateId or mergeData: Mailgun substitutes %recipient.…% only in batch sends');
  } else if (input.usesTemplate) {
    for (const [key, value] of Object.entries(globalData)) if (!dataKeys.includes(key)) variables.set(key, variableValue(value));
    for (const key of dataKeys) variables.set(key, `%recipient.${key}%`);
  }
  if (batch) {
    for (const address of input.to) {
      const data = forAddress(input.mergeData, address) ?? {};
      if (input.usesTemplate) {
        for (const key of dataKeys) perRecipient[address]![key] = own(data, key) ?? own(globalData, key) ?? '';
      } else {
        Object.assign(perRecipient[address]!, globalData, data);
      }
    }
  }

  // Metadata: `v:` fields too, so a name used by template data cannot also be metadata.
  const metadata = input.metadata ?? {};
  const metadataKeys = unionKeys([metadata, ...Object.values(input.mergeMetadata ?? {})]);
  const perRecipientMetadata = input.mergeMetadata !== undefined ? unionKeys(Object.values(input.mergeMetadata)) : [];
  for (const key of metadataKeys) {
    if (variables.has(key)) {
      context.unsupported('metadata', `"${key}" is also a template variable, and Mailgun sends both as the v:${key} field`);
      continue;
    }
    if (!perRecipientMetadata.includes(key)) {
      variables.set(key, variableValue(own(metadata, key)));
      continue;
    }
    variables.set(key, `%recipient.${METADATA_VARIABLE_PREFIX}${key}%`);
    for (const address of input.to) {
      const value = own(forAddress(input.mergeMetadata, address), key) ?? own(metadata, key) ?? '';
      perRecipient[address]![`${METADATA_VARIABLE_PREFIX}${key}`] = variableValue(value);
    }
  }

  // Headers that vary per recipient (names compared case-insensitively).
  const headerNames = new Map<string, string>();
  for (const record of Object.values(input.mergeHeaders ?? {})) {
    for (const name of Object.keys(record)) if (!headerNames.has(name.toLowerCase())) headerNames.set(name.toLowerCase(), name);
  }
  for (const [lower, name] of headerNames) {
    const variable = `${HEADER_VARIABLE_PREFIX}${lower}`;
    headers.set(name, `%recipient.${variable}%`);
    for (const address of input.to) {
      perRecipient[address]![variable] =
        findHeader(forAddress(input.mergeHeaders, address), lower) ?? findHeader(input.headers, lower) ?? '';
    }
  }

  return { variables, headers, recipientVariables: batch ? JSON.stringify(perRecipient) : undefined };
}
