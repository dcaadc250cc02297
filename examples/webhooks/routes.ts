// Which webhooks this example serves: tracking and inbound, one per ESP whose settings are in the environment.
import type { InboundWebhook, TrackingWebhook } from '@anymail/core';
import { inboundWebhook as mailgunInbound, trackingWebhook as mailgunWebhook } from '@anymail/mailgun';
import { inboundWebhook as postmarkInbound, trackingWebhook as postmarkWebhook } from '@anymail/postmark';
import { inboundWebhook as sendgridInbound, trackingWebhook as sendgridWebhook } from '@anymail/sendgrid';
import { inboundWebhook as sesInbound, trackingWebhook as sesWebhook } from '@anymail/ses';

/** Tracking and inbound handlers have the same HTTP shape. */
export type Webhook = Pick<TrackingWebhook | InboundWebhook, 'espName' | 'fetch' | 'node'>;

/**
 * Path → webhook. An ESP is served when its setting is present:
 * MAILGUN_WEBHOOK_SIGNING_KEY, SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY,
 * POSTMARK_WEBHOOK_SECRET or ANYMAIL_WEBHOOK_SECRET ('user:pass'), SES_TOPIC_ARNS.
 * Tracking events arrive on /webhooks/<esp>, received mail on /inbound/<esp>
 * (SendGrid's Inbound Parse needs SENDGRID_WEBHOOK_SECRET or ANYMAIL_WEBHOOK_SECRET: basic auth is its only check).
 */
export function webhookRoutes(env: NodeJS.ProcessEnv = process.env): Map<string, Webhook> {
  const routes = new Map<string, Webhook>();
  if (env.MAILGUN_WEBHOOK_SIGNING_KEY) {
    routes.set('/webhooks/mailgun', mailgunWebhook({ env }));
    // Mailgun route action: forward("https://app.example/inbound/mailgun") (or .../inbound/mailgun/mime for raw MIME)
    routes.set('/inbound/mailgun', mailgunInbound({ env }));
    routes.set('/inbound/mailgun/mime', mailgunInbound({ env }));
  }
  if (env.SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY) routes.set('/webhooks/sendgrid', sendgridWebhook({ env }));
  if (env.SENDGRID_WEBHOOK_SECRET || env.ANYMAIL_WEBHOOK_SECRET) routes.set('/inbound/sendgrid', sendgridInbound({ env }));
  if (env.POSTMARK_WEBHOOK_SECRET || env.ANYMAIL_WEBHOOK_SECRET) {
    routes.set('/webhooks/postmark', postmarkWebhook({ env }));
    routes.set('/inbound/postmark', postmarkInbound({ env }));
  }
  if (env.SES_TOPIC_ARNS) {
    routes.set('/webhooks/ses', sesWebhook({ env, autoConfirmSubscriptions: true }));
    // A receipt rule's SNS action (or S3 action: the bucket is read with the AWS credential chain).
    routes.set('/inbound/ses', sesInbound({ env, autoConfirmSubscriptions: true }));
  }
  return routes;
}
