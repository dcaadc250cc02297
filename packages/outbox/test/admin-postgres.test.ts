/** The admin's queries on PostgreSQL (BIGINT ids as strings, integer division, GROUP BY aliases). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutbox, type Outbox } from '../src/index.js';
import { createOutboxAdmin, type OutboxAdmin } from '../src/admin/index.js';
import { ScriptedBackend } from '../src/test/index.js';
import { AnymailAPIError } from '@anymail/core';
import { dropSchema, POSTGRES_URL, uniqueSchema } from './support/postgres-store.js';

const schema = uniqueSchema('outbox_admin');
const backend = new ScriptedBackend();
let outbox: Outbox;
let admin: OutboxAdmin;
const auth = { authorization: 'Bearer pg-admin-token-0123456789' };
const get = (path: string) => admin.fetch(new Request(`http://127.0.0.1${path}`, { headers: auth }));
const post = (path: string) =>
  admin.fetch(new Request(`http://127.0.0.1${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: '' }));

describe('outbox admin on PostgreSQL', () => {
  beforeAll(async () => {
    outbox = await createOutbox({ database: POSTGRES_URL, schema, backends: { default: backend }, messageIdEnabled: true, notify: false });
    await outbox.migrate();
    admin = createOutboxAdmin({ outbox, auth: { tokens: [{ name: 'pg', token: 'pg-admin-token-0123456789' }] }, log: () => undefined });
  });
  afterAll(async () => {
    await outbox.close();
    await dropSchema(schema);
  });

  it('lists, filters, shows, counts and requeues', async () => {
    backend.failFor('down@example.com', new AnymailAPIError('ESP said no', { category: 'invalid-request' }), 1);
    const [ok, failed] = await outbox.sendMany([
      { recipients: 'up@example.com', subject: 'Fine', htmlMessage: '<p>fine</p>' },
      { recipients: 'down@example.com', subject: 'Broken 50%' },
    ]);
    await outbox.sendQueued();
    expect(await (await get('/mail?status=failed&recipient=DOWN')).text()).toContain('Broken 50%');
    expect(await (await get('/mail?q=50%25')).text()).toContain('Broken 50%');
    expect(await (await get('/mail?q=5_%25')).text()).toContain('No mail matches.');
    expect(await (await get(`/mail?q=${encodeURIComponent(ok!.messageId!)}`)).text()).toContain('up@example.com');
    const detail = await get(`/mail/${failed!.id}`);
    expect(await detail.text()).toContain('ESP said no');
    const dashboard = await (await get('/')).text();
    expect(dashboard).toContain('id="count-sent">1<');
    expect(dashboard).toContain('id="count-failed">1<');
    expect(dashboard).toContain('>invalid-request<');
    expect((await post(`/mail/${failed!.id}/requeue`)).status).toBe(303);
    await outbox.sendQueued();
    expect((await outbox.get(failed!.id))!.status).toBe('sent');
    expect((await post(`/mail/${ok!.id}/resend`)).status).toBe(303);
  });
});
