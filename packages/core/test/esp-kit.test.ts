// The ESP kit (defineEsp/EspBackend) with a tiny definition, against a loopback fake ESP:
// what an error handler and the espExtra policy see.
import { AnymailAPIError, AnymailStatus, AnymailUnsupportedFeature, EmailMessage } from '@anymail/core';
import {
  EspBackend,
  defineEsp,
  defineEspFeatures,
  defineEspOptions,
  jsonErrors,
  jsonResponse,
  parseEspExtra,
  unsupported,
  type EspRequest,
  type MessageFeatures,
  type PayloadContext,
} from '@anymail/core/esp';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

interface KitSettings {
  apiUrl: string;
  hint: string;
}
interface KitContext {
  recipients: string[];
  domain: string;
}
interface KitDraft {
  fields: Record<string, unknown>;
  recipients: string[];
}

const kitOptions = defineEspOptions('KitTest', 'kittest', { hint: z.string().optional() });

const kitFeatures = defineEspFeatures<KitDraft>({
  from: (draft, value) => void (draft.fields.from = value[0]!.addrSpec),
  to: (draft, value) => void draft.recipients.push(...value.map((address) => address.addrSpec)),
  cc: unsupported,
  bcc: unsupported,
  replyTo: unsupported,
  subject: (draft, value) => void (draft.fields.subject = value),
  headers: unsupported,
  textBody: (draft, value) => void (draft.fields.text = value),
  htmlBody: unsupported,
  ampBody: unsupported,
  alternatives: unsupported,
  attachments: unsupported,
  envelopeSender: unsupported,
  metadata: unsupported,
  tags: unsupported,
  trackClicks: unsupported,
  trackOpens: unsupported,
  sendAt: unsupported,
  templateId: unsupported,
  mergeData: unsupported,
  mergeGlobalData: unsupported,
  mergeMetadata: unsupported,
  mergeHeaders: unsupported,
  espExtra: unsupported,
});

// Error bodies of three shapes: {"error": "..."} (JSON), and anything else (text, HTML).
const kitErrors = jsonErrors(
  z.object({ error: z.string() }),
  (body, _response, request: EspRequest<KitContext>, settings: KitSettings) => ({
    message: `${body.error} (domain ${request.context.domain}; ${settings.hint})`,
    code: 'KIT_JSON',
  }),
  { fallback: (response, request: EspRequest<KitContext>) => ({ message: `text: ${response.text().trim()} (domain ${request.context.domain})`, code: 'KIT_TEXT' }) },
);

const kitEsp = defineEsp({
  name: 'KitTest',
  options: kitOptions,
  settings: (options: { apiUrl?: string; hint?: string }): KitSettings => ({ apiUrl: options.apiUrl ?? 'http://127.0.0.1:9/', hint: options.hint ?? 'no hint' }),
  apiUrl: (settings) => settings.apiUrl,
  draft: (): KitDraft => ({ fields: {}, recipients: [] }),
  features: kitFeatures,
  finish: (draft: KitDraft, context: PayloadContext): EspRequest<KitContext> => ({
    method: 'POST',
    path: 'send',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(draft.fields),
    context: { recipients: draft.recipients, domain: context.features.from?.[0]?.domain ?? '' },
  }),
  response: jsonResponse(z.object({ id: z.string() }), (body, _response, request: EspRequest<KitContext>) =>
    AnymailStatus.forAll(request.context.recipients, 'queued', body.id),
  ),
  errors: kitErrors,
});

class KitBackend extends EspBackend<KitSettings, KitDraft, KitContext> {
  constructor(options: { apiUrl?: string; hint?: string } = {}) {
    super(kitEsp, options);
  }
}

let esp: FakeEsp;
beforeAll(async () => {
  esp = await startFakeEsp({ 'POST /send': { status: 200, body: { id: 'kit-1' } } });
});
afterAll(() => esp.close());

async function sendError(hint?: string): Promise<AnymailAPIError> {
  const backend = new KitBackend({ apiUrl: esp.url, hint });
  try {
    const error = await new EmailMessage({ from: 'a@kit.example', to: ['b@example.com'], subject: 'S', body: 'B', connection: backend })
      .send()
      .catch((e: unknown) => e);
    expect(AnymailAPIError.isInstance(error)).toBe(true);
    return error as AnymailAPIError;
  } finally {
    await backend.close();
  }
}

describe('EspBackend error handlers', () => {
  it('hand the request (typed context) and the settings to jsonErrors describe', async () => {
    esp.setRoute('POST /send', { status: 404, body: { error: 'not here' } });
    const error = await sendError('check the domain');
    expect(error.code).toBe('KIT_JSON');
    expect(error.message).toBe('KitTest API response 404: not here (domain kit.example; check the domain)');
  });

  it('read a body that is not JSON through the fallback, with the request', async () => {
    esp.setRoute('POST /send', { status: 502, headers: { 'content-type': 'text/html' }, body: '<h1>Bad Gateway</h1>' });
    const error = await sendError();
    expect(error.code).toBe('KIT_TEXT');
    expect(error.message).toBe('KitTest API response 502: text: <h1>Bad Gateway</h1> (domain kit.example)');
    expect(error.category).toBe('server');
  });

  it('fall back to the HTTP status without a fallback', async () => {
    const plain = jsonErrors(z.object({ error: z.string() }), (body) => ({ message: body.error }));
    const response = { statusCode: 500, headers: {}, body: new Uint8Array(), url: '', text: () => 'oops', json: () => JSON.parse('oops') as unknown };
    expect(plain.describe(response, { method: 'POST', path: 'send', headers: {} }, undefined)).toBeUndefined();
  });
});

describe('parseEspExtra with a schema that transforms (a pipe)', () => {
  // Known keys plus a family of prefixed keys ("x:*"), turned into one typed value.
  const known = z.object({ mode: z.enum(['a', 'b']), senderName: z.string() }).partial();
  const schema = known
    .catchall(z.unknown().describe('x:<name>'))
    .superRefine((value, ctx) => {
      for (const key of Object.keys(value)) {
        if (key in known.shape) continue;
        if (!key.startsWith('x:')) ctx.addIssue({ code: 'unrecognized_keys', keys: [key], input: value });
        else if (typeof value[key] !== 'string') ctx.addIssue({ code: 'custom', path: [key], message: 'must be a string', input: value[key] });
      }
    })
    .transform((value) => ({ count: Object.keys(value).length, value }));
  const context = (ignore: boolean): PayloadContext => ({
    espName: 'KitTest',
    message: new EmailMessage(),
    features: {} satisfies Partial<MessageFeatures>,
    unsupported(feature, detail) {
      if (!ignore) throw new AnymailUnsupportedFeature(`KitTest does not support ${feature} (${detail})`, { espName: 'KitTest', feature: String(feature) });
    },
  });

  it('names the closest known key and the allowed keys of the schema before the transform', () => {
    const error = (() => {
      try {
        parseEspExtra(schema, { sendername: 'x' }, context(false));
      } catch (e) {
        return e;
      }
    })();
    expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('unknown field "sendername" (did you mean "senderName"?)');
    // The catchall's description says which other keys are allowed.
    expect((error as Error).message).toContain('allowed: mode, senderName, x:<name>');
  });

  it('keeps the entries valid on their own under ignoreUnsupportedFeatures, transformed', () => {
    const kept = parseEspExtra(schema, { mode: 'a', 'x:one': '1', 'x:two': 2, other: true }, context(true));
    expect(kept).toEqual({ count: 2, value: { mode: 'a', 'x:one': '1' } });
  });
});
