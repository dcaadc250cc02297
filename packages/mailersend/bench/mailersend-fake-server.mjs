// Loopback fake MailerSend for the bench, in its own process so its CPU is not counted.
// /email answers 202 with an empty body and an x-message-id; /bulk-email answers a bulk_email_id.
import { createServer } from 'node:http';

let counter = 0;
const id = () => (++counter).toString(16).padStart(24, '0');

const server = createServer((request, response) => {
  request.on('data', () => undefined);
  request.on('end', () => {
    if (request.url === '/bulk-email') {
      const reply = `{"message":"The bulk email is being processed.","bulk_email_id":"${id()}"}`;
      response.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
      response.end(reply);
      return;
    }
    response.writeHead(202, { 'content-type': 'text/html; charset=UTF-8', 'content-length': 0, 'x-message-id': id() });
    response.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
