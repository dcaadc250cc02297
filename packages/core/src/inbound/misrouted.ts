import { AnymailWebhookValidationFailure } from '../errors.js';

/**
 * The answer when an ESP posts to the wrong handler: a tracking event to `inboundWebhook()` or an
 * inbound message to `trackingWebhook()`. A 400 (the ESP keeps retrying, so nothing is lost while
 * the URL is fixed) whose message names the handler the ESP's setting should point at.
 */
export function misroutedWebhook(espName: string, received: 'tracking' | 'inbound', setting: string): AnymailWebhookValidationFailure {
  const [what, handler, other] =
    received === 'inbound'
      ? ['an inbound message', 'inboundWebhook()', 'trackingWebhook()']
      : ['a tracking event', 'trackingWebhook()', 'inboundWebhook()'];
  return new AnymailWebhookValidationFailure(
    `${espName} posted ${what} to a URL served by ${other}. Configuration error: point ${setting} at a URL served by ` +
      `${handler} from the ${espName} package instead.`,
    { statusCode: 400, espName },
  );
}
