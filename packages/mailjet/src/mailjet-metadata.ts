/**
 * Anymail metadata travels in Mailjet's `EventPayload` (a string Mailjet hands back as `Payload` in
 * every event of the message) as JSON text: the one place both directions are decided.
 * https://dev.mailjet.com/email/guides/send-api-v31/#add-email-headers (EventPayload)
 */

/** Metadata → `EventPayload` text. */
export function formatEventPayload(metadata: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(metadata);
}

/**
 * `Payload` of an event (or Parse API post) → metadata: a JSON object; anything else (empty, plain
 * text set through espExtra, a JSON array) gives `{}` (the raw value stays in `espEvent`).
 */
export function parseEventPayload(payload: unknown): Record<string, unknown> {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return {};
  try {
    const value: unknown = JSON.parse(payload);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
