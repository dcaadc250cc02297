// The quick-start demo: one message through the console backend, then its status.
import { ConsoleBackend, EmailMessage } from '@anymail/core';

const connection = new ConsoleBackend();
const message = new EmailMessage({
  subject: 'Hello from Anymail for TypeScript',
  body: 'This is the plain-text body.',
  from: 'Anymail Demo <demo@example.com>',
  to: ['Zoë Recipient <zoe@example.com>'],
  tags: ['demo'],
  connection,
});
message.attachAlternative('<p>This is the <b>HTML</b> body.</p>', 'text/html');
message.attach('hello.txt', 'Attached text file\n');

const sent = await message.send();
const status = message.anymailStatus;
console.log(`sent: ${sent}`);
console.log(`status: ${[...(status?.status ?? [])].join(', ')} via ${status?.espName}`);
console.log('recipients:', JSON.stringify(status?.recipients));
