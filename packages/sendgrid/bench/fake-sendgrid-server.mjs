// Loopback fake SendGrid for the benchmark, in its own process so its CPU isn't counted:
// answers every request like Mail Send (202, empty body, X-Message-Id).
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(202, { 'x-message-id': 'bench-message-id', 'content-length': '0' });
    response.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
