import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AnymailAPIError, AnymailStatus, AnymailUnsupportedFeature, EmailMessage } from '@anymail/core';
import {
  EspBackend,
  assertHeaderValue,
  defineEsp,
  defineEspFeatures,
  defineEspOptions,
  isDefinedEsp,
  jsonErrors,
  jsonResponse,
  parseJsonLossless,
  unsupported,
  type EspRequest,
} from '@anymail/core/esp';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';

// A small ESP declared with the kit: JSON body, one tag, no sendAt, a strict espExtra schema.
interface Draft {
  body: Record<string, unknown>;
  to: string[];
}
interface Context {
  to: string[];
}
const extraSchema = z.strictObject({ priority: z.number().int().min(1).max(5), label: z.string() }).partial();
type Extra = z.infer<typeof extraSchema>;

const options = defineEspOptions('Kitmail', 'kitmail', { apiKey: z.string().optional() });
interface KitOptions {
  apiKey?: string;
  apiUrl?: string;
  ignoreUnsupportedFeatures?: boolean;
  sendDefaults?: import("@anymail/core").SendDefaults;
}

const features = defineEspFeatures<Draft, Extra>({
  from: (draft, value) => void (draft.body.from = value[0]!.addrSpec),
  to: (draft, value) => void (draft.to = value.map((address) => address.addrSpec)),
  cc: unsupported,
  bcc: unsupported,
  replyTo: unsupported,
  subject: (draft, value) => void (draft.body.subject = value),
  headers: unsupported,
  textBody: (draft, value) => void (draft.body.text = value),
  htmlBody: unsupported,
  ampBody: unsupported,
  alternatives: unsupported,
  attachments: unsupported,
  envelopeSender: unsupported,
  metadata: unsupported,
  tags: (draft, value, context) => {
    if (value.length > 1) context.unsupported('tags', 'multiple tags');
    draft.body.tag = value[0];
  },
  trackClicks: unsupported,
  trackOpens: unsupported,
  sendAt: unsupported,
  templateId: unsupported,
  mergeData: unsupported,
  mergeGlobalData: unsupported,
  mergeMetadata: unsupported,
  mergeHeaders: unsupported,
  espExtra: (draft, value) => void Object.assign(draft.body, value),
});

const kitEsp = defineEsp({
  name: 'Kitmail',
  options,
  settings: (given: KitOptions) => ({ apiKey: given.apiKey ?? 'k', apiUrl: given.apiUrl ?? 'http://127.0.0.1:9/' }),
  apiUrl: (settings) => settings.apiUrl,
  extra: extraSchema,
  checkExtra: (extra) => assertHeaderValue('Kitmail espExtra.label', extra.label),
  draft: (): Draft => ({ body: {}, to: [] }),
  features,
  finish: (draft, _context, settings): EspRequest<Context> => ({
    method: 'POST',
    path: 'send',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${settings.apiKey}` },
    body: JSON.stringify({ ...draft.body, to: draft.to }),
    context: { to: draft.to },
  }),
  response: jsonResponse(z.object({ id: z.string() }), (body, _response, request: EspRequest<Context>) =>
    AnymailStatus.forAll(request.context.to, 'queued', body.id),
  ),
  errors: jsonErrors(z.object({ error: z.string(), code: z.number() }), (body) => ({
    message: body.error,
    category: body.code === 7 ? 'auth' : 'invalid-request',
    code: `KIT_${body.code}`,
  })),
  secrets: (settings) => [settings.apiKey],
});

class KitBackend extends EspBackend<{ apiKey: string; apiUrl: string }, Draft, Context, Extra> {
  constructor(given: KitOptions = {}) {
    super(kitEsp, given);
  }
}

const message = (fields: Partial<ConstructorParameters<typeof EmailMessage>[0]> = {}) =>
  new EmailMessage({ from: 'from@example.com', to: ['to@example.com'], subject: 'S', body: 'B', ...fields });

describe('defineEsp: one definition drives the backend', () => {
  let esp: FakeEsp;
  beforeEach(async () => {
    esp = await startFakeEsp({ 'POST /send': { body: { id: 'kit-1' } } });
  });
  afterEach(async () => {
    await esp.close();
  });

  it('sends through the table and finish, reads the answer with the typed context', async () => {
    const backend = new KitBackend({ apiKey: 'secret-key', apiUrl: esp.url });
    const sent = message({ tags: ['one'], espExtra: { priority: 2 }, connection: backend });
    await sent.send();
    expect(esp.calls[0]!.json()).toEqual({ from: 'from@example.com', subject: 'S', text: 'B', tag: 'one', priority: 2, to: ['to@example.com'] });
    expect(sent.anymailStatus?.messageId).toBe('kit-1');
    expect(sent.anymailStatus?.recipients['to@example.com']?.status).toBe('queued');
    await backend.close();
  });

  it('answers supportsFeature from the table, and is recognized as a definition', () => {
    const backend = new KitBackend();
    expect(backend.supportsFeature('tags')).toBe(true);
    expect(backend.supportsFeature('sendAt')).toBe(false);
    expect(isDefinedEsp(kitEsp)).toBe(true);
    expect(isDefinedEsp({ name: 'x' })).toBe(false);
  });

  it('checks options strictly, naming the closest valid key', () => {
    expect(() => new KitBackend({ apikey: 'x' } as KitOptions)).toThrow(/apikey.*apiKey/);
  });

  it('turns an off-schema 2xx body into the one unreadable-response error (delivery unknown)', async () => {
    esp.setRoute('POST /send', { body: { nope: true } });
    const backend = new KitBackend({ apiUrl: esp.url });
    const error = await message({ connection: backend }).send().catch((e: unknown) => e);
    expect(AnymailAPIError.isInstance(error)).toBe(true);
    expect((error as AnymailAPIError).code).toBe('ANYMAIL_BAD_RESPONSE');
    expect((error as AnymailAPIError).deliveryUnknown).toBe(true);
    await backend.close();
  });

  it('reads error bodies through the error schema, and hides the secrets', async () => {
    esp.setRoute('POST /send', { status: 401, body: { error: 'bad key secret-key', code: 7 } });
    const backend = new KitBackend({ apiKey: 'secret-key', apiUrl: esp.url });
    const error = (await message({ connection: backend }).send().catch((e: unknown) => e)) as AnymailAPIError;
    expect(error.category).toBe('auth');
    expect(error.code).toBe('KIT_7');
    expect(error.message).not.toContain('secret-key');
    expect(error.responseBody).not.toContain('secret-key');
    await backend.close();
  });

  it('previewRequest shows the request without sending', async () => {
    const request = await new KitBackend({ apiUrl: esp.url }).previewRequest(message());
    expect(request.context.to).toEqual(['to@example.com']);
    expect(esp.calls).toHaveLength(0);
  });

  it('previewRequest applies the backend\'s sendDefaults, to a copy', async () => {
    const given = message({ tags: undefined });
    const request = await new KitBackend({ apiUrl: esp.url, sendDefaults: { tags: ["default-tag"] } }).previewRequest(given);
    expect(JSON.parse(request.body as string)).toMatchObject({ tag: 'default-tag' });
    expect(given.tags ?? []).toEqual([]);
  });
});

describe('the one espExtra policy', () => {
  const preview = (espExtra: Record<string, unknown>, ignore = false) =>
    new KitBackend({ ignoreUnsupportedFeatures: ignore }).previewRequest(message({ espExtra }));

  it('refuses an unknown key as an unsupported feature naming the closest valid key and the allowed ones', async () => {
    const error = await preview({ priorty: 2 }).catch((e: unknown) => e);
    expect(AnymailUnsupportedFeature.isInstance(error)).toBe(true);
    expect((error as AnymailUnsupportedFeature).feature).toBe('espExtra');
    expect(String(error)).toMatch(/unknown field "priorty" \(did you mean "priority"\?\)/);
    expect(String(error)).toMatch(/allowed: priority, label/);
  });

  it('refuses a wrong value naming the path', async () => {
    await expect(preview({ priority: 9 })).rejects.toThrow(/priority: .*5/);
  });

  it('keeps the valid keys under ignoreUnsupportedFeatures', async () => {
    const request = await preview({ priority: 3, label: 'x', bogus: 1 }, true);
    expect(JSON.parse(request.body as string)).toMatchObject({ priority: 3, label: 'x' });
    expect(JSON.parse(request.body as string)).not.toHaveProperty('bogus');
  });

  it('never ignores header injection in an espExtra value', async () => {
    await expect(preview({ label: 'a\r\nBcc: x@attacker.test' }, true)).rejects.toThrow(/label/);
  });
});

describe('parseJsonLossless', () => {
  it('keeps integers beyond 2^53 exact as strings, and leaves the rest as JSON.parse does', () => {
    const text = '{"MessageID": 288230376151711745, "small": 42, "neg": -288230376151711745, "f": 1.5e300, "s": "288230376151711745", "esc": "a\\"9007199254740993"}';
    expect(JSON.parse(text).MessageID).toBe(288230376151711740); // what a plain parse does
    expect(parseJsonLossless(text)).toEqual({
      MessageID: '288230376151711745',
      small: 42,
      neg: '-288230376151711745',
      f: 1.5e300,
      s: '288230376151711745',
      esc: 'a"9007199254740993',
    });
    expect(parseJsonLossless('[9007199254740991, 9007199254740993]')).toEqual([9007199254740991, '9007199254740993']);
  });
});
