import {
  AnymailConfigurationError,
  AnymailWebhookValidationFailure,
  constantTimeEqual,
  loadSetting,
  parseJsonLossless,
  resolveWebhookSecrets,
  type WebhookRequest,
  type WebhookSecret,
} from '@anymail/core';

/** One item of a SparkPost webhook batch: `{"msys": {"<class>": {...}}}`. */
export interface SparkPostBatchItem {
  /** The class under `msys` (`message_event`, `track_event`, …, `relay_message`); undefined for the `{"msys": {}}` ping. */
  eventClass: string | undefined;
  /** The object under the class (`{}` for the ping). */
  event: Record<string, unknown>;
  /** The whole item as posted. */
  raw: unknown;
}

const ESP_NAME = 'SparkPost';

function invalid(message: string): AnymailWebhookValidationFailure {
  return new AnymailWebhookValidationFailure(message, { statusCode: 400, espName: ESP_NAME });
}

/**
 * Parse a SparkPost webhook body (event webhooks and relay webhooks share the shape): a JSON array
 * of `msys` wrappers, each holding one event class (or none, in the ping SparkPost posts when a
 * webhook is created), after the auth_token check when there is one. Parsed once, losslessly (integers beyond 2^53 as their digits); anything else is a 400 naming what was wrong.
 */
export function readSparkPostBatch(request: WebhookRequest, checkToken?: (request: WebhookRequest) => void): SparkPostBatchItem[] {
  checkToken?.(request);
  let body: unknown;
  try {
    // SparkPost's ids (event_id, transmission_id) go beyond 2^53: a bare number must keep its digits.
    body = parseJsonLossless(request.text);
  } catch {
    throw invalid('SparkPost webhook body is not valid JSON');
  }
  if (!Array.isArray(body)) throw invalid('SparkPost webhook body must be a JSON array of {"msys": {...}} items');
  return body.map((raw, index) => {
    const msys = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as { msys?: unknown }).msys : undefined;
    if (typeof msys !== 'object' || msys === null || Array.isArray(msys)) {
      throw invalid(`SparkPost webhook item ${index} has no "msys" object`);
    }
    const classes = Object.keys(msys);
    if (classes.length === 0) return { eventClass: undefined, event: {}, raw };
    if (classes.length > 1) throw invalid(`SparkPost webhook item ${index} holds more than one event class (${classes.join(', ')})`);
    const eventClass = classes[0]!;
    const event = (msys as Record<string, unknown>)[eventClass];
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw invalid(`SparkPost webhook item ${index}: msys.${eventClass} must be an object`);
    }
    return { eventClass, event: event as Record<string, unknown>, raw };
  });
}

/** The credentials a SparkPost webhook (event or relay) may be checked with. */
export interface SparkPostWebhookAuthOptions {
  /** Basic-auth credentials `'user:pass'` (or a list, to rotate); env `ANYMAIL_WEBHOOK_SECRET` and others. */
  webhookSecret?: WebhookSecret;
  /**
   * The webhook's `auth_token`, which SparkPost sends as `X-MessageSystems-Webhook-Token` (relay webhooks
   * take it at creation; for event webhooks it is SparkPost's older option). Checked in constant time.
   * Env: `SPARKPOST_WEBHOOK_TOKEN` or `ANYMAIL_SPARKPOST_WEBHOOK_TOKEN`.
   */
  webhookToken?: string;
  env?: NodeJS.ProcessEnv;
}

const TOKEN_HEADER = 'x-messagesystems-webhook-token';

/**
 * SparkPost signs nothing: a webhook is authenticated by basic auth (the pipeline checks
 * `webhookSecret`), by its auth_token header, or both when both are set. One of them is required.
 * Returns the token check (undefined when there is none), run before the body is parsed.
 */
export function sparkPostTokenCheck(options: SparkPostWebhookAuthOptions): ((request: WebhookRequest) => void) | undefined {
  const token = loadSetting<string | undefined>({
    esp: 'sparkpost',
    name: 'webhookToken',
    value: options.webhookToken,
    default: undefined,
    ...(options.env ? { env: options.env } : {}),
  });
  if (!token && resolveWebhookSecrets('sparkpost', options.webhookSecret, options.env).length === 0) {
    throw new AnymailConfigurationError(
      'SparkPost webhooks are not signed: set webhookSecret (\'user:pass\', env ANYMAIL_WEBHOOK_SECRET) and the same credentials in ' +
        "the webhook (Basic Auth, or https://user:pass@host/... in a relay webhook's target), or webhookToken (env SPARKPOST_WEBHOOK_TOKEN) " +
        'and the same auth_token in the webhook; without one, anyone could post events.',
      { espName: ESP_NAME },
    );
  }
  if (!token) return undefined;
  return (request) => {
    if (!constantTimeEqual(request.headers.get(TOKEN_HEADER) ?? '', token)) {
      throw new AnymailWebhookValidationFailure('Missing or invalid X-MessageSystems-Webhook-Token in SparkPost webhook', {
        statusCode: 401,
        espName: ESP_NAME,
      });
    }
  };
}
