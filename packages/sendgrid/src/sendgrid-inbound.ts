import {
  AnymailWebhookValidationFailure,
  constructInboundMime,
  createInboundEvent,
  createInboundWebhook,
  formBytes,
  formFieldBytes,
  formJson,
  formText,
  formToObject,
  isFormRequest,
  misroutedWebhook,
  parseInboundMime,
  parseSpamScore,
  requestForm,
  sharedInboundOptions,
  type AnymailInboundEvent,
  type InboundExtras,
  type InboundFieldAttachment,
  type InboundFields,
  type InboundWebhook,
  type InboundWebhookOptions,
  type WebhookRequest,
} from '@anymail/core';

/** SendGrid's Inbound Parse signs nothing: basic auth (`webhookSecret`, required) is the check. */
export type SendGridInboundWebhookOptions = InboundWebhookOptions;

const ESP_NAME = 'SendGrid';
const FIELDS_WITH_CHARSET = ['from', 'to', 'cc', 'subject', 'text', 'html'] as const;

/**
 * SendGrid Inbound Parse webhook (Settings > Inbound Parse; put `https://user:pass@…` in the URL).
 * Takes both formats: "POST the raw, full MIME message" (the `email` field) and the default parsed
 * fields (`headers`, `text`, `html`, `attachmentN` with `attachment-info`, decoded by `charsets`).
 */
export function inboundWebhook(options: SendGridInboundWebhookOptions = {}): InboundWebhook {
  return createInboundWebhook<FormData>({
    espName: ESP_NAME,
    esp: 'sendgrid',
    requireBasicAuth: true,
    ...sharedInboundOptions(options),
    // Inbound Parse posts forms; JSON is accepted only to recognise an Event Webhook post sent here by mistake.
    contentTypes: ['multipart/form-data', 'application/json'],
    async readEnvelope(request) {
      if (!isFormRequest(request)) {
        const looksLikeEvents = /^\s*\[/.test(request.text.slice(0, 64));
        if (looksLikeEvents) throw misroutedWebhook(ESP_NAME, 'tracking', 'the SendGrid Event Webhook (Settings > Mail Settings)');
        throw new AnymailWebhookValidationFailure('SendGrid Inbound Parse posts multipart/form-data', { statusCode: 400, espName: ESP_NAME });
      }
      return requestForm(request, ESP_NAME);
    },
    parseEvents: async (form, request) => [await sendGridInboundEvent(form, request)],
  });
}

/** Map one Inbound Parse post. `request` lets fields in other charsets be decoded from their raw bytes. */
export async function sendGridInboundEvent(form: FormData, request?: WebhookRequest): Promise<AnymailInboundEvent> {
  const envelope = formJson(form, 'envelope') as { from?: unknown; to?: unknown } | undefined;
  const to = Array.isArray(envelope?.to) ? envelope.to.filter((value): value is string => typeof value === 'string') : [];
  const extras: InboundExtras = {
    envelopeSender: typeof envelope?.from === 'string' && envelope.from !== '' ? envelope.from : undefined,
    envelopeRecipient: to[0],
    spamScore: parseSpamScore(formText(form, 'spam_score')),
    spamDetected: spamVerdict(formText(form, 'spam_report')),
  };
  const raw = await formBytes(form, 'email');
  const message = raw ? await parseInboundMime(raw, extras, ESP_NAME) : await constructInboundMime(await parsedFields(form, request), extras, ESP_NAME);
  return createInboundEvent({ espName: ESP_NAME, espEvent: formToObject(form), timestamp: undefined, eventId: undefined, message });
}

/** SpamAssassin's report says "(2.6 points, 5.0 required)": spam when the points reach the threshold. */
function spamVerdict(report: string): boolean | undefined {
  const match = /\((-?\d+(?:\.\d+)?) points?, (-?\d+(?:\.\d+)?) required\)/.exec(report);
  return match ? Number(match[1]) >= Number(match[2]) : undefined;
}

async function parsedFields(form: FormData, request: WebhookRequest | undefined): Promise<InboundFields> {
  const charsets = (formJson(form, 'charsets') ?? {}) as Record<string, unknown>;
  const text = (name: (typeof FIELDS_WITH_CHARSET)[number]): string | undefined => {
    const charset = typeof charsets[name] === 'string' ? (charsets[name] as string) : 'utf-8';
    // The form is decoded as UTF-8; a field SendGrid says is in another charset is decoded again from its bytes.
    if (request && !/^utf-?8$/i.test(charset)) {
      const bytes = formFieldBytes(request, name);
      if (bytes) {
        try {
          return new TextDecoder(charset).decode(bytes);
        } catch {
          // unknown charset label: keep the UTF-8 reading
        }
      }
    }
    return formText(form, name) || undefined;
  };
  const info = (formJson(form, 'attachment-info') ?? {}) as Record<string, { filename?: unknown; type?: unknown; 'content-id'?: unknown }>;
  const attachments: InboundFieldAttachment[] = [];
  for (const [name, value] of form.entries()) {
    if (!/^attachment\d+$/.test(name) || typeof value === 'string') continue;
    const meta = info[name] ?? {};
    attachments.push({
      filename: typeof meta.filename === 'string' ? meta.filename : value.name || undefined,
      contentType: typeof meta.type === 'string' ? meta.type : value.type || undefined,
      content: new Uint8Array(await value.arrayBuffer()),
      contentId: typeof meta['content-id'] === 'string' && meta['content-id'] !== '' ? meta['content-id'] : undefined,
    });
  }
  return {
    headers: headerPairs(formText(form, 'headers')),
    from: text('from'),
    to: text('to'),
    cc: text('cc'),
    subject: text('subject'),
    text: text('text'),
    html: text('html'),
    attachments,
  };
}

/** The `headers` field is the message's header block as text: one [name, value] per (unfolded) header. */
function headerPairs(block: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const line of block.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) pairs.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return pairs;
}
