// CombinedSend.groupKey: ESPs whose batch shares fields among its messages (Brevo messageVersions
// share the sender, template and attachments) combine only requests with the same key.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnymailStatus, EmailMessage, type CombinedSend, type EspRequest } from '@anymail/core';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { JsonEspBackend } from './support/json-esp-backend.js';

const parsed = (request: EspRequest) => JSON.parse(String(request.body)) as { from: string; to: string[] };

class GroupingBackend extends JsonEspBackend {
  protected override readonly combinedSend: CombinedSend = {
    maxMessages: 3,
    canCombine: () => true,
    groupKey: (request) => parsed(request).from,
    build: (requests) => ({
      method: 'POST',
      path: 'batch',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: parsed(requests[0]!).from, to: requests.map((request) => parsed(request).to[0]) }),
    }),
    parse: (response, _combined, parts) =>
      parts.map((part, index) => AnymailStatus.forAll(parsed(part).to, 'queued', `${(response.json() as { id: string }).id}-${index}`)),
  };
}

let esp: FakeEsp;
beforeEach(async () => {
  esp = await startFakeEsp({
    'POST /batch': (call) => ({ body: { id: `batch${esp.calls.indexOf(call)}` } }),
    'POST /send': { body: { id: 'single' } },
  });
});
afterEach(() => esp.close());

describe('CombinedSend.groupKey', () => {
  it('combines only requests with the same key, up to maxMessages each; statuses stay with their messages', async () => {
    const senders = ['a', 'b', 'a', 'a', 'b', 'a', 'c'];
    const messages = senders.map((sender, i) => new EmailMessage({ from: `${sender}@example.com`, to: [`r${i}@example.com`], body: 'B' }));
    const backend = new GroupingBackend({ apiUrl: esp.url });
    await expect(backend.sendMessages(messages)).resolves.toBe(7);
    await backend.close();
    const requests = esp.calls.map((call) => ({ path: call.path, ...(call.json() as { from: string; to: string[] }) }));
    // 'a' fills a request at its third message; the rest go at the end, one request per key
    // (a group of one as a plain send).
    expect(requests.map((request) => `${request.path} ${request.from}:${request.to.join(',')}`).sort()).toEqual([
      '/batch a@example.com:r0@example.com,r2@example.com,r3@example.com',
      '/batch b@example.com:r1@example.com,r4@example.com',
      '/send a@example.com:r5@example.com',
      '/send c@example.com:r6@example.com',
    ]);
    for (const [index, message] of messages.entries()) {
      const request = requests.findIndex((r) => r.to.includes(`r${index}@example.com`));
      const expected = requests[request]!.path === '/send' ? 'single' : `batch${request}-${requests[request]!.to.indexOf(`r${index}@example.com`)}`;
      expect(message.anymailStatus!.messageId).toBe(expected);
    }
  });
});
