import {
  AnymailWebhookValidationFailure,
  DEFAULT_INBOUND_MAX_BODY_BYTES,
  createInboundEvent,
  createInboundWebhook,
  misroutedWebhook,
  parseEventTime,
  parseInboundMime,
  resolveEspOptions,
  sharedInboundOptions,
  type AnymailInboundEvent,
  type InboundExtras,
  type InboundWebhook,
  type InboundWebhookOptions,
} from '@anymail/core';
import { SesCredentialProvider } from './ses-credentials.js';
import { SES_ESP_NAME, sesAwsSettings, sesOptions, type SesBackendOptions } from './ses-options.js';
import { fetchS3Object } from './ses-s3.js';
import type { SnsEnvelope } from './ses-sns.js';
import { readSnsEnvelope, snsControlMessages, snsVerifier, type SesTrackingWebhookOptions, type SnsVerifierOptions } from './ses-webhook.js';

/** The AWS settings used to read messages stored by an S3 action; the same names and env fallbacks as `SesBackend`. */
type S3CredentialOptions = Pick<
  SesBackendOptions,
  'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'credentials' | 'profile' | 'homeDir' | 'region'
>;

export interface SesInboundWebhookOptions
  extends InboundWebhookOptions,
    SnsVerifierOptions,
    Pick<SesTrackingWebhookOptions, 'autoConfirmSubscriptions' | 'fetch'>,
    S3CredentialOptions {
  /**
   * S3-compatible endpoint for the S3 action's bucket (path-style requests), e.g. a VPC endpoint or a local
   * fake. @default `https://<bucket>.s3.<region>.amazonaws.com`
   */
  s3Endpoint?: string;
  /** Timeout of the S3 GetObject. @default 30000 */
  s3TimeoutMs?: number;
}

type Json = Record<string, unknown>;
const fail = (message: string) => new AnymailWebhookValidationFailure(message, { statusCode: 400, espName: SES_ESP_NAME });

/**
 * Amazon SES inbound mail: a receipt rule's SNS action (message inline, up to 150 KB) or S3 action (the
 * notification names the stored object, read here with SigV4 and the AWS credential chain), delivered
 * through an SNS HTTPS subscription with the same checks as tracking (signature, TopicArn allow-list).
 */
export function inboundWebhook(options: SesInboundWebhookOptions = {}): InboundWebhook {
  const verify = snsVerifier(options);
  const settings = sesAwsSettings(resolveEspOptions(sesOptions, {
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    sessionToken: options.sessionToken,
    credentials: options.credentials,
    profile: options.profile,
    homeDir: options.homeDir,
    region: options.region,
    env: options.env,
  }) as SesBackendOptions);
  let credentials: SesCredentialProvider | undefined; // created on the first S3 action: SNS-only setups need no AWS credentials
  const handleControl = snsControlMessages(options);
  const maxBytes = options.maxBodyBytes ?? DEFAULT_INBOUND_MAX_BODY_BYTES;

  async function readS3(action: Json, envelope: SnsEnvelope): Promise<Uint8Array> {
    const bucket = typeof action.bucketName === 'string' ? action.bucketName : '';
    const key = typeof action.objectKey === 'string' ? action.objectKey : '';
    if (bucket === '' || key === '') throw fail('SES S3 action notification has no bucketName/objectKey');
    // The bucket is read in the region given, else the receiving region (the SNS topic's, as SES requires).
    const region = settings.region ?? envelope.TopicArn.split(':')[3] ?? '';
    credentials ??= new SesCredentialProvider(settings.chain);
    return fetchS3Object(
      { bucket, key, region },
      { credentials, endpoint: options.s3Endpoint, maxBytes, timeoutMs: options.s3TimeoutMs ?? 30_000 },
    );
  }

  return createInboundWebhook<SnsEnvelope>({
    espName: SES_ESP_NAME,
    esp: 'ses',
    ...sharedInboundOptions(options),
    // SNS posts its JSON envelope as text/plain.
    contentTypes: ['text/plain', 'application/json'],
    readEnvelope: readSnsEnvelope,
    verify,
    async parseEvents(envelope) {
      if (await handleControl(envelope)) return [];
      const record = parseRecord(envelope.Message);
      if (record?.notificationType !== 'Received') {
        if (record && ('eventType' in record || 'notificationType' in record)) {
          throw misroutedWebhook(SES_ESP_NAME, 'tracking', 'the SNS topic of your configuration set / identity notifications');
        }
        throw fail('SNS message is not an SES receipt notification (notificationType "Received")');
      }
      const receipt = (record.receipt ?? {}) as Json;
      const action = (receipt.action ?? {}) as Json;
      let raw: Uint8Array | string;
      if (typeof record.content === 'string') {
        raw = action.encoding === 'BASE64' ? new Uint8Array(Buffer.from(record.content, 'base64')) : record.content;
      } else if (action.type === 'S3') {
        raw = await readS3(action, envelope);
      } else {
        throw fail(
          `SES ${String(action.type ?? 'receipt')} action notifications carry no message: use an SNS action (with content) or an S3 action for inbound mail`,
        );
      }
      return [await sesInboundEvent(record, raw, envelope)];
    },
  });
}

function parseRecord(message: string): Json | undefined {
  try {
    const value = JSON.parse(message) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** Map one SES receipt notification and its MIME message. */
export async function sesInboundEvent(record: Json, raw: Uint8Array | string, envelope?: SnsEnvelope): Promise<AnymailInboundEvent> {
  const mail = (record.mail ?? {}) as Json;
  const receipt = (record.receipt ?? {}) as Json;
  const recipients = Array.isArray(receipt.recipients) ? receipt.recipients.filter((r): r is string => typeof r === 'string') : [];
  const spam = ((receipt.spamVerdict ?? {}) as Json).status;
  const extras: InboundExtras = {
    envelopeSender: typeof mail.source === 'string' && mail.source !== '' ? mail.source : undefined,
    envelopeRecipient: recipients[0],
    // SES gives a verdict, no score: FAIL is spam, PASS is not, GRAY / PROCESSING_FAILED say nothing.
    spamDetected: spam === 'FAIL' ? true : spam === 'PASS' ? false : undefined,
  };
  return createInboundEvent({
    espName: SES_ESP_NAME,
    espEvent: envelope ?? record,
    timestamp: parseEventTime(receipt.timestamp ?? mail.timestamp),
    eventId: typeof mail.messageId === 'string' ? mail.messageId : envelope?.MessageId,
    message: await parseInboundMime(raw, extras, SES_ESP_NAME),
  });
}
