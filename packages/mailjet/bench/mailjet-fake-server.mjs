// Loopback fake Mailjet for the bench, in its own process so its CPU is not counted.
// POST /send answers one success result per entry of Messages, with MessageIDs above 2^53 (as Mailjet's).
import { createServer } from 'node:http';

let counter = 2n ** 53n;
const result = (email) => {
  const id = String(++counter);
  return `{"Status":"success","CustomID":"","To":[{"Email":${JSON.stringify(email)},"MessageUUID":"00000000-0000-4000-8000-${id.slice(-12)}","MessageID":${id},"MessageHref":"https://api.mailjet.com/v3/REST/message/${id}"}],"Cc":[],"Bcc":[]}`;
};

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const { Messages } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const reply = `{"Messages":[${Messages.map((message) => result(message.To[0].Email)).join(',')}]}`;
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    response.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
