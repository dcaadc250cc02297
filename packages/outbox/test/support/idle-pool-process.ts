/**
 * A process that opens an outbox from a postgres:// URL, leaves a connection idle in the
 * pool, and waits: the parent terminates that connection on the server, then asks for one
 * more query. A missing 'error' listener crashes this process before it can answer.
 */
import { createOutbox } from '../../src/index.js';
import { ScriptedBackend } from '../../src/test/index.js';

const outbox = await createOutbox({
  database: process.env['OUTBOX_DATABASE_URL']!,
  schema: process.env['OUTBOX_SCHEMA']!,
  backends: { default: new ScriptedBackend() },
});
await outbox.get(1);
process.send?.({ ready: true });
process.on('message', async () => {
  const email = await outbox.get(1);
  process.send?.({ answered: email === undefined ? 'none' : 'found' });
  await outbox.close();
  process.exit(0);
});
