import type { z } from 'zod';
import type { Attachment, EmailMessage } from '../message.js';
import { resolveMessage } from '../message-defaults.js';
import type { AnymailError } from '../errors.js';
import type { AnymailStatus } from '../status.js';
import { BaseEspBackend, DEFAULT_SECRET_HEADERS, type BaseEspBackendOptions, type CombinedSend, type ErrorDescription } from './base-esp-backend.js';
import { parseEspExtra } from './esp-extra.js';
import { resolveFeatures } from './resolve-features.js';
import {
  applyFeatures,
  makePayloadContext,
  unsupported,
  type EspFeatureTable,
  type FeatureName,
  type FeatureSetter,
  type PayloadContext,
} from './esp-features.js';
import type { EspOptionsDefinition } from './esp-options-registry.js';
import { resolveEspOptions } from './esp-options.js';
import type { EspRequest, EspResponse } from './esp-request.js';
import type { ErrorHandler, ResponseHandler } from './esp-response.js';

/**
 * Everything an ESP package knows, declared once (issue #15). `defineEsp` checks nothing at run
 * time by itself; `EspBackend` runs it: options → settings, message → draft → feature table →
 * `finish` → (combined) request → `sign` → HTTP → `response` / `errors`.
 * docs/adding-an-esp.md walks the Postmark definition.
 */
export interface EspDefinition<Settings = unknown, Draft = unknown, Context = unknown, Extra = Record<string, unknown>, Options = never> {
  /** The ESP's name in its own capitalization ('Postmark'); errors and statuses use it. */
  readonly name: string;
  /** The options (`defineEspOptions`): the shared ones plus the ESP's own, checked strictly. */
  readonly options: EspOptionsDefinition;
  /**
   * The checked options (the `configure({ anymail })` block merged under them) → what the
   * backend keeps: credentials from options or environment, API URL, defaults. Throw
   * AnymailConfigurationError (never showing a secret) for a missing or invalid value.
   */
  settings(options: Options): Settings;
  /**
   * Shared options the ESP's settings decide (e.g. a `timeoutMs` read from the ESP's own
   * environment variable), over those given.
   */
  shared?(settings: NoInfer<Settings>): Partial<BaseEspBackendOptions>;
  /** The API base URL requests are resolved against. May throw AnymailConfigurationError. */
  apiUrl(settings: NoInfer<Settings>): string;
  /** What `espExtra` may hold, typed from the ESP's API; core applies the one espExtra policy (see `parseEspExtra`). */
  readonly extra?: z.ZodType<Extra>;
  /** Header checks on espExtra values the ESP writes into header lines (core's assertHeaderValue etc.). */
  checkExtra?(extra: Extra): void;
  /** A fresh draft for one message, which the feature table fills. */
  draft(context: PayloadContext, settings: NoInfer<Settings>): Draft;
  /** Every feature: a setter onto the draft, or `unsupported`. Drives payload, `supportsFeature` and the README matrix. */
  readonly features: EspFeatureTable<Draft, Extra>;
  /** Short limits shown in the generated feature matrix ('one tag'), by feature. */
  readonly featureNotes?: Partial<Readonly<Record<FeatureName, string>>>;
  /** After every feature: checks that need several features, then the request (data only, typed context). */
  finish(draft: Draft, context: PayloadContext, settings: NoInfer<Settings>): EspRequest<Context> | Promise<EspRequest<Context>>;
  /** A 2xx response → status (`jsonResponse(schema, read)`). */
  readonly response: ResponseHandler<Context, NoInfer<Settings>>;
  /**
   * Error responses → message, category, code, retry delay (`jsonErrors(schema, describe)`), read
   * with the request (typed context) and the settings, or without either (`ErrorHandler`).
   */
  readonly errors?: ErrorHandler<NoInfer<Context>, NoInfer<Settings>> | ErrorHandler;
  /** Several messages in one request (a batch endpoint) for `sendMessages`; `parse` may refuse single parts with an AnymailError. */
  combine?(settings: NoInfer<Settings>): CombinedSend<Context, AnymailStatus | AnymailError>;
  /** Right before sending: sign the request (may be synchronous, to pay no promise per message). */
  sign?(request: EspRequest<Context>, settings: NoInfer<Settings>): EspRequest<Context> | Promise<EspRequest<Context>>;
  /** Credential values never shown in errors, besides those in `secretHeaders` and the API URL. */
  secrets?(settings: NoInfer<Settings>): readonly string[];
  /** Header names whose values are secrets (lower-case). @default authorization and the known token headers */
  readonly secretHeaders?: readonly string[];
}

/** A definition that `EspBackend` and the tools (feature matrix, conformance) recognize. */
export type DefinedEsp<Settings = unknown, Draft = unknown, Context = unknown, Extra = Record<string, unknown>, Options = never> = EspDefinition<
  Settings,
  Draft,
  Context,
  Extra,
  Options
> & { readonly kind: 'anymail-esp' };

/**
 * Declare an ESP once. The result is data: `EspBackend` sends with it, `supportsFeature` and
 * FailoverBackend read its feature table, `pnpm docs:matrix` writes README matrices from it.
 */
export function defineEsp<Settings, Draft, Context, Extra = Record<string, unknown>, Options = never>(
  definition: EspDefinition<Settings, Draft, Context, Extra, Options>,
): DefinedEsp<Settings, Draft, Context, Extra, Options> {
  return Object.freeze({ ...definition, kind: 'anymail-esp' as const });
}

/** Whether a value is a `defineEsp` result (for tools that discover ESP packages). */
export function isDefinedEsp(value: unknown): value is DefinedEsp<unknown, unknown, unknown, unknown, never> {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'anymail-esp';
}

/** The bytes of an attachment whose content is an attached EmailMessage (rendered by the kit before the features run). */
export function attachmentContent(attachment: Attachment, context: PayloadContext): string | Uint8Array {
  const { content } = attachment;
  if (typeof content === 'string' || content instanceof Uint8Array) return content;
  const rendered = context.rendered?.get(content);
  if (rendered === undefined) throw new TypeError('attachmentContent: a message/rfc822 attachment was not rendered (call it from a defineEsp feature setter)');
  return rendered;
}

/**
 * The backend for a `defineEsp` definition. An ESP's class is a few lines:
 *   export class PostmarkBackend extends EspBackend<PostmarkSettings, PostmarkDraft, PostmarkContext, PostmarkExtra> {
 *     constructor(options: PostmarkBackendOptions = {}) { super(postmarkEsp, options); }
 *   }
 */
export class EspBackend<Settings = unknown, Draft = unknown, Context = unknown, Extra = Record<string, unknown>> extends BaseEspBackend {
  readonly espName: string;
  /** The definition this backend runs. */
  readonly definition: DefinedEsp<Settings, Draft, Context, Extra, never>;
  /** What `definition.settings` made of the options. */
  protected readonly settings: Settings;
  protected override readonly featureTable: EspFeatureTable<Draft, Extra>;
  protected override readonly combinedSend: CombinedSend<unknown, AnymailStatus | AnymailError> | undefined;
  protected override readonly secretHeaders: readonly string[];
  readonly #table: EspFeatureTable<Draft, Record<string, unknown>>;
  readonly #errors: ErrorHandler<Context, Settings> | undefined;

  constructor(definition: DefinedEsp<Settings, Draft, Context, Extra, never>, options: BaseEspBackendOptions | object = {}) {
    const checked = resolveEspOptions(definition.options, options) as BaseEspBackendOptions;
    // The options interface and the schema name the same keys (OptionsMatchSchema in each ESP).
    const settings = (definition.settings as (options: BaseEspBackendOptions) => Settings)(checked);
    const shared = definition.shared?.(settings);
    super(shared ? { ...checked, ...shared } : checked);
    this.espName = definition.name;
    this.definition = definition;
    this.settings = settings;
    this.featureTable = definition.features;
    this.#table = withExtraPolicy(definition);
    // An ErrorHandler<unknown, unknown> reads any request and settings: it is an ErrorHandler<Context, Settings> too.
    this.#errors = definition.errors as ErrorHandler<Context, Settings> | undefined;
    this.combinedSend = definition.combine?.(this.settings) as CombinedSend<unknown, AnymailStatus | AnymailError> | undefined;
    this.secretHeaders = definition.secretHeaders ?? DEFAULT_SECRET_HEADERS;
  }

  protected get apiUrl(): string {
    return this.definition.apiUrl(this.settings);
  }

  /**
   * The request the definition builds for `message`, with the backend's `sendDefaults` applied
   * (to a copy; no defaultFromEmail fallback): for tests and debugging. No preSend, no signing,
   * nothing sent; unsupported features raise as in a send.
   */
  async previewRequest(message: EmailMessage): Promise<EspRequest<Context>> {
    const resolved = resolveMessage(message, this.sendDefaults, false, false);
    const context = makePayloadContext(this.espName, resolved, resolveFeatures(resolved), this.ignoreUnsupportedFeatures);
    return (await this.buildRequest(resolved, context)) as EspRequest<Context>;
  }

  protected buildRequest(message: EmailMessage, context: PayloadContext): EspRequest | Promise<EspRequest> {
    const attached = context.features.attachments?.filter((attachment) => !(typeof attachment.content === 'string' || attachment.content instanceof Uint8Array));
    if (!attached || attached.length === 0) return this.#build(context);
    return Promise.all(attached.map(async ({ content }) => [content as EmailMessage, await (content as EmailMessage).message()] as const)).then(
      (rendered) => this.#build({ ...context, rendered: new Map(rendered) }),
    );
  }

  #build(context: PayloadContext): EspRequest | Promise<EspRequest> {
    const { definition, settings } = this;
    const draft = applyFeatures(this.#table, definition.draft(context, settings), context);
    return definition.finish(draft, context, settings);
  }

  protected parseResponse(response: EspResponse, request: EspRequest): AnymailStatus {
    return this.definition.response(response, request as EspRequest<Context>, this.settings);
  }

  protected override isSuccess(response: EspResponse): boolean {
    if (response.statusCode >= 200 && response.statusCode < 300) return true;
    return this.#errors?.accept?.(response) ?? false;
  }

  protected override describeError(response: EspResponse, request: EspRequest): ErrorDescription | undefined {
    return this.#errors?.describe(response, request as EspRequest<Context>, this.settings);
  }

  protected override finalizeRequest(request: EspRequest): EspRequest | Promise<EspRequest> {
    const sign = this.definition.sign;
    return sign ? (sign(request as EspRequest<Context>, this.settings) as EspRequest | Promise<EspRequest>) : request;
  }

  protected override credentialValues(): readonly string[] {
    return this.definition.secrets?.(this.settings) ?? [];
  }
}

/** The feature table with the espExtra policy in front of the ESP's espExtra setter (built once per backend). */
function withExtraPolicy<Settings, Draft, Context, Extra>(definition: EspDefinition<Settings, Draft, Context, Extra, never>): EspFeatureTable<Draft, Record<string, unknown>> {
  const { features, extra: schema, checkExtra } = definition;
  const setter = features.espExtra;
  if (setter === unsupported || schema === undefined) return features as unknown as EspFeatureTable<Draft, Record<string, unknown>>;
  const check = checkExtra?.bind(definition);
  const espExtra: FeatureSetter<Draft, Record<string, unknown>> = (draft, value, context) =>
    setter(draft, parseEspExtra(schema, value, context, check), context);
  return { ...features, espExtra } as EspFeatureTable<Draft, Record<string, unknown>>;
}
