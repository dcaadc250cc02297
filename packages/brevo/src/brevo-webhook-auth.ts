import {
  AnymailConfigurationError,
  AnymailWebhookValidationFailure,
  basicAuthMatches,
  constantTimeEqual,
  loadWebhookKeys,
  resolveWebhookSecrets,
  type WebhookHandlerOptions,
  type WebhookRequest,
  type WebhookSecret,
} from '@anymail/core';

/** How a Brevo webhook (tracking or inbound) is authenticated. Brevo signs nothing. */
export interface BrevoWebhookAuthOptions extends WebhookHandlerOptions {
  /**
   * Basic-auth credentials `'user:pass'` (or a list, to rotate), put in the webhook URL you give
   * Brevo: `https://user:pass@example.com/brevo/tracking`.
   * Env: `BREVO_WEBHOOK_SECRET`, `ANYMAIL_BREVO_WEBHOOK_SECRET` or `ANYMAIL_WEBHOOK_SECRET`
   * (comma-separated for several).
   */
  webhookSecret?: WebhookSecret;
  /**
   * The token of Brevo's bearer authentication (`auth: { type: 'bearer', token }` when the webhook
   * is created with `POST /v3/webhooks`); Brevo then sends `Authorization: Bearer <token>`.
   * A list accepts any of them (rotation).
   * Env: `BREVO_WEBHOOK_TOKEN` or `ANYMAIL_BREVO_WEBHOOK_TOKEN` (comma-separated for several).
   * @see https://developers.brevo.com/reference/create-webhook
   */
  webhookToken?: string | readonly string[];
}

const ESP_NAME = 'Brevo';

/** The checks one Brevo webhook makes, decided once when the webhook is created. */
export interface BrevoWebhookAuth {
  /** Pass to the pipeline: basic auth alone is checked there, before the body is read. */
  pipelineSecret: WebhookSecret | undefined;
  requireBasicAuth: boolean;
  /** With a bearer token: the check, made on the request before the body is parsed. */
  check: ((request: WebhookRequest) => void) | undefined;
}

/**
 * Resolve `webhookSecret` and `webhookToken`. One of them is required (Brevo signs nothing,
 * so without one anyone could post events). With only basic auth, the shared pipeline checks it
 * before reading the body. With a bearer token, a request passes with a matching bearer token
 * or (when `webhookSecret` is set too, e.g. while moving from one to the other) matching basic
 * credentials; every candidate is compared in constant time.
 */
export function brevoWebhookAuth(options: BrevoWebhookAuthOptions, what: string): BrevoWebhookAuth {
  const secrets = resolveWebhookSecrets('brevo', options.webhookSecret, options.env);
  const tokens = loadWebhookKeys({
    esp: 'brevo',
    espName: ESP_NAME,
    name: 'webhookToken',
    value: options.webhookToken,
    env: options.env,
    required: false,
    hint: "set the token given to Brevo as the webhook's auth: { type: 'bearer', token }.",
  });
  if (tokens.length === 0 && secrets.length === 0) {
    throw new AnymailConfigurationError(
      `Brevo ${what} needs webhookSecret ('user:pass' in the webhook URL; env BREVO_WEBHOOK_SECRET or ANYMAIL_WEBHOOK_SECRET) ` +
        'or webhookToken (the webhook\'s bearer auth token; env BREVO_WEBHOOK_TOKEN): Brevo signs nothing, ' +
        'so without one anyone could post to this URL.',
      { espName: ESP_NAME },
    );
  }
  if (tokens.length === 0) return { pipelineSecret: secrets, requireBasicAuth: true, check: undefined };
  return {
    // The pipeline would refuse a bearer-authenticated request before we see it: we check both here.
    pipelineSecret: [],
    requireBasicAuth: false,
    check(request) {
      const authorization = request.headers.get('authorization') ?? '';
      const bearer = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? '';
      let ok = false;
      for (const token of tokens) if (constantTimeEqual(bearer, token) && bearer !== '') ok = true;
      if (basicAuthMatches(authorization, secrets)) ok = true;
      if (!ok) {
        throw new AnymailWebhookValidationFailure(`Missing or invalid bearer token (or basic auth) in ${ESP_NAME} webhook`, {
          statusCode: 401,
          espName: ESP_NAME,
        });
      }
    },
  };
}
