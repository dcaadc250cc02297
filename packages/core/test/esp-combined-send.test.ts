// Issue #20 (Mailjet): an ESP's batch answer can refuse one message while its neighbours go out.
// The refused message gets its own error (category, code), as it would sent alone; the others their statuses.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnymailAPIError, AnymailStatus, EmailMessage, type AnymailError, type CombinedSend, type EspRequest } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { JsonEspBackend } from './support/json-esp-backend.js';

/** Batches every message; the answer refuses the messages sent to refused@example.com. */
class BatchingBackend extends JsonEspBackend {
  protected override readonly combinedSend: CombinedSend<unknown, AnymailStatus | AnymailError> = {
    maxMessages: 10,
    canCombine: () => true,
    build: (requests) => ({ method: 'POST', path: 'batch', headers: requests[0]!.headers, body: `[${requests.map((r) => r.body).join(',')}]` }),
    parse: (_response, _combined, parts: readonly EspRequest[]) =>
      parts.map((part) => {
        const to = (JSON.parse(part.body as string) as { to: string[] }).to;
        if (to.includes('refused@example.com')) {
          return new AnymailAPIError('Batch ESP refused the message: sender not validated for key secret-key', { category: 'auth', code: 'BATCH_SENDER', espName: 'Batch' });
        }
        return AnymailStatus.forAll(to, 'sent', `id-${to[0]}`);
      }),
  };
}

describe('a combined send whose answer refuses one part', () => {
  let esp: FakeEsp;
  beforeEach(async () => {
    esp = await startFakeEsp({ 'POST /batch': { body: { ok: true } } });
  });
  afterEach(async () => {
    await esp.close();
  });
  const message = (backend: JsonEspBackend, to: string) =>
    new EmailMessage({ from: 'from@example.com', to: [to], subject: 'S', body: 'B', connection: backend });

  it('fails that message with its own error and keeps its neighbours sent, in one request', async () => {
    const backend = new BatchingBackend({ apiUrl: esp.url, failSilently: true });
    const batch = [message(backend, 'a@example.com'), message(backend, 'refused@example.com'), message(backend, 'c@example.com')];
    await expect(backend.sendMessages(batch)).resolves.toBe(2);
    await backend.close();
    expect(esp.calls).toHaveLength(1);
    expect(batch[0]!.anymailStatus!.messageId).toBe('id-a@example.com');
    expect(batch[2]!.anymailStatus!.messageId).toBe('id-c@example.com');
    expect([...batch[1]!.anymailStatus!.status]).toEqual(['failed']);
  });

  it('raises the refused message’s error (not a crash) without failSilently', async () => {
    const backend = new BatchingBackend({ apiUrl: esp.url });
    const batch = [message(backend, 'a@example.com'), message(backend, 'refused@example.com')];
    const error = (await backend.sendMessages(batch).catch((e: unknown) => e)) as AnymailError;
    await backend.close();
    expect(AnymailAPIError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ category: 'auth', code: 'BATCH_SENDER' });
    // Redacted like any error of this request: the request's credentials never show.
    expect(error.message).not.toContain('secret-key');
    expect(batch[0]!.anymailStatus!.messageId).toBe('id-a@example.com');
  });
});
