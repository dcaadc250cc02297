// Which tracking webhooks this example serves: one per ESP whose settings are in the environment.
import type { TrackingWebhook } from '@anymail/core';
import { trackingWebhook as mailgunWebhook } from '@anymail/mailgun';
import { trackingWebhook as postmarkWebhook } from '@anymail/postmark';
import { trackingWebhook as sendgridWebhook } from '@anymail/sendgrid';
import { trackingWebhook as sesWebhook } from '@anymail/ses';

/**
 * Path → webhook. An ESP is served when its setting is present:
 * MAILGUN_WEBHOOK_SIGNING_KEY, SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY,
 * POSTMARK_WEBHOOK_SECRET or ANYMAIL_WEBHOOK_SECRET ('user:pass'), SES_TOPIC_ARNS.
 */
export function webhookRoutes(env: NodeJS.ProcessEnv = process.env): Map<string, TrackingWebhook> {
  const routes = new Map<string, TrackingWebhook>();
  if (env.MAILGUN_WEBHOOK_SIGNING_KEY) routes.set('/webhooks/mailgun', mailgunWebhook({ env }));
  if (env.SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY) routes.set('/webhooks/sendgrid', sendgridWebhook({ env }));
  if (env.POSTMARK_WEBHOOK_SECRET || env.ANYMAIL_WEBHOOK_SECRET) routes.set('/webhooks/postmark', postmarkWebhook({ env }));
  if (env.SES_TOPIC_ARNS) routes.set('/webhooks/ses', sesWebhook({ env, autoConfirmSubscriptions: true }));
  return routes;
}
