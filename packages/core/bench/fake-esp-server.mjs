// Loopback fake ESP for benchmarks, run in its own process so its CPU isn't counted.
import { createServer } from 'node:http';

const reply = process.env.BENCH_REPLY ?? '{"id":"<bench@example.com>","message":"Queued. Thank you."}';
const status = Number(process.env.BENCH_STATUS ?? 200);
const extraHeaders = JSON.parse(process.env.BENCH_HEADERS ?? '{}');
// Optional answer delay: a real ESP takes milliseconds, which is what concurrency overlaps.
const delayMs = Number(process.env.BENCH_DELAY_MS ?? 0);
let served = 0;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    served++;
    const answer = () => {
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply), ...extraHeaders });
      response.end(reply);
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: server.address().port });
});
process.on('message', (message) => {
  if (message === 'count') process.send?.({ served });
  if (message === 'stop') server.close(() => process.exit(0));
});
