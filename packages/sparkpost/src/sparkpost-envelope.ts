import { AnymailWebhookValidationFailure, parseJsonLossless, type WebhookRequest } from '@anymail/core';

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
 * webhook is created). Parsed once, losslessly (integers beyond 2^53 as their digits); anything else is a 400 naming what was wrong.
 */
export function readSparkPostBatch(request: WebhookRequest): SparkPostBatchItem[] {
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
