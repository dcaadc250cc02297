import { AnymailUnsupportedFeature } from '../errors.js';
import type { ParsedAddress } from '../address.js';
import type { Alternative, Attachment, EmailMessage, JsonObject } from '../message.js';

/**
 * The normalized features of a message, after send defaults are combined and addresses are
 * parsed: what an ESP's feature table maps onto its request. Keys are the public option names.
 */
export interface MessageFeatures {
  from: ParsedAddress[];
  to: ParsedAddress[];
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  replyTo: ParsedAddress[];
  subject: string;
  headers: Record<string, string>;
  /** Plain-text body. */
  textBody: string;
  /** HTML body (from contentSubtype 'html' or a text/html alternative). */
  htmlBody: string;
  /** AMP body (a text/x-amp-html alternative). */
  ampBody: string;
  /** Alternatives other than text/html and text/x-amp-html. */
  alternatives: Alternative[];
  attachments: Attachment[];
  envelopeSender: ParsedAddress;
  metadata: JsonObject;
  tags: string[];
  trackClicks: boolean;
  trackOpens: boolean;
  sendAt: Date;
  templateId: string;
  mergeData: Record<string, JsonObject>;
  mergeGlobalData: JsonObject;
  mergeMetadata: Record<string, JsonObject>;
  mergeHeaders: Record<string, Record<string, string>>;
  espExtra: Record<string, unknown>;
}

export type FeatureName = keyof MessageFeatures;

/** Every feature, in the order feature tables are applied. */
export const FEATURE_NAMES: readonly FeatureName[] = [
  'from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'headers', 'textBody', 'htmlBody', 'ampBody', 'alternatives',
  'attachments', 'envelopeSender', 'metadata', 'tags', 'trackClicks', 'trackOpens', 'sendAt', 'templateId',
  'mergeData', 'mergeGlobalData', 'mergeMetadata', 'mergeHeaders', 'espExtra',
];

/** Passed to every feature setter and to `finish`. */
export interface PayloadContext {
  readonly espName: string;
  /** The message being sent (already through preSend). */
  readonly message: EmailMessage;
  /** All resolved features (present or not), for setters that need another feature's value. */
  readonly features: Partial<MessageFeatures>;
  /**
   * Report a feature the ESP cannot honour: throws AnymailUnsupportedFeature, or does
   * nothing when `ignoreUnsupportedFeatures` is on. `detail` refines it ("multiple tags").
   */
  unsupported(feature: FeatureName | string, detail?: string): void;
  /** Attached EmailMessages rendered to bytes (set by the kit; read them with `attachmentContent`). */
  readonly rendered?: ReadonlyMap<EmailMessage, Uint8Array>;
}

/** Marks a feature the ESP does not support at all. */
export const unsupported = Symbol('anymail.unsupported');
export type Unsupported = typeof unsupported;

export type FeatureSetter<Draft, Value> = (draft: Draft, value: Value, context: PayloadContext) => void;

/**
 * An ESP's decision for every feature: a setter or `unsupported`. Missing a key is a compile error.
 * `Extra` is what the espExtra setter receives: with `defineEsp`, the value already checked
 * against the ESP's espExtra schema.
 */
export type EspFeatureTable<Draft, Extra = Record<string, unknown>> = {
  [K in FeatureName]: FeatureSetter<Draft, K extends 'espExtra' ? Extra : MessageFeatures[K]> | Unsupported;
};

/** Identity helper that makes TypeScript check the table is complete. */
export function defineEspFeatures<Draft, Extra = Record<string, unknown>>(table: EspFeatureTable<Draft, Extra>): EspFeatureTable<Draft, Extra> {
  return table;
}

export function makePayloadContext(
  espName: string,
  message: EmailMessage,
  features: Partial<MessageFeatures>,
  ignoreUnsupportedFeatures: boolean,
): PayloadContext {
  return {
    espName,
    message,
    features,
    unsupported(feature, detail) {
      if (ignoreUnsupportedFeatures) return;
      if (feature === 'espExtra' && detail) {
        throw new AnymailUnsupportedFeature(
          `${espName} espExtra is not valid: ${detail}. Use ${espName}'s API field names, or pass ignoreUnsupportedFeatures: true to drop the invalid keys.`,
          { espName, feature: 'espExtra' },
        );
      }
      const what = detail ? `${feature} (${detail})` : feature;
      throw new AnymailUnsupportedFeature(
        `${espName} does not support ${what}. Remove it from the message, or pass ignoreUnsupportedFeatures: true to drop it.`,
        { espName, feature: String(feature) },
      );
    },
  };
}

/** Apply every present feature through the table (in FEATURE_NAMES order). */
export function applyFeatures<Draft>(table: EspFeatureTable<Draft, Record<string, unknown>>, draft: Draft, context: PayloadContext): Draft {
  for (const name of FEATURE_NAMES) {
    const value = context.features[name];
    if (value === undefined) continue;
    const setter = table[name];
    if (setter === unsupported) {
      context.unsupported(name);
      continue;
    }
    (setter as FeatureSetter<Draft, unknown>)(draft, value, context);
  }
  return draft;
}

/** Any ESP's feature table, seen only for which features it supports. */
export type FeatureSupportTable = { readonly [K in FeatureName]: unknown };
