// Issue #13 item 2: header fields inside espExtra are ESP-specific, so the outbox stores them and
// the delivering ESP backend refuses them with core's rule: the email fails, the ESP gets nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeEsp, type FakeEsp } from '@anymail/core/test';
import { PostmarkBackend } from '@anymail/postmark';
import { postmarkFakeRoutes } from '@anymail/postmark/test';
import { createOutbox, type Outbox } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'outbox-esp-header-safety-'));
let esp: FakeEsp;
let outbox: Outbox;

beforeAll(async () => {
  esp = await startFakeEsp(postmarkFakeRoutes());
  const backend = new PostmarkBackend({ serverToken: 'outbox-token', apiUrl: esp.url, timeoutMs: 2000 });
  outbox = await createOutbox({ database: `sqlite:${join(dir, 'mail.db')}`, backends: { default: backend } });
  await outbox.migrate();
});
afterAll(async () => {
  await outbox.close();
  await esp.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox delivery through an ESP backend', () => {
  it('an espExtra header with CRLF fails at delivery and never reaches the ESP; a clean one is sent', async () => {
    await outbox.send({
      recipients: 'to@example.com',
      subject: 'injected',
      espOptions: { espExtra: { Headers: [{ Name: 'X-Note', Value: 'a\r\nBcc: evil@attacker.test' }] } },
    });
    await outbox.send({ recipients: 'to@example.com', subject: 'clean', espOptions: { espExtra: { Headers: [{ Name: 'X-Note', Value: 'fine' }] } } });
    expect(await outbox.sendQueued()).toEqual({ sent: 1, failed: 1, requeued: 0 });
    expect(esp.calls).toHaveLength(1);
    expect((esp.calls[0]!.json() as { Subject: string }).Subject).toBe('clean');
    const logs = await outbox.db.selectFrom('outbox_log').select(['exception_type', 'message']).where('status', '=', 'failed').execute();
    expect(logs).toEqual([expect.objectContaining({ exception_type: 'BadHeaderError', message: expect.stringMatching(/Headers\[0\].*newline/) })]);
  });
});
