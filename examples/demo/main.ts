/**
 * `pnpm demo` — the library's main job, end to end:
 *   pnpm demo                         # against the packages' fake ESPs on loopback (no real mail)
 *   POSTMARK_SERVER_TOKEN=… DEMO_FROM=you@yourdomain pnpm demo --to you@example.com   # for real
 * Options: --to ADDRESS, --from ADDRESS, --count N
 */
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';

const { values } = parseArgs({
  options: { to: { type: 'string' }, from: { type: 'string' }, count: { type: 'string' } },
  allowPositionals: false,
});
const count = values.count === undefined ? undefined : Number(values.count);
if (count !== undefined && !(Number.isInteger(count) && count > 0)) {
  console.error(`--count must be a positive integer, got ${JSON.stringify(values.count)}`);
  process.exit(2);
}
try {
  const result = await runDemo({ to: values.to, from: values.from, count });
  const sent = result.outboxStatuses['sent'] ?? 0;
  console.log(`\nDemo complete: ${sent} of ${result.queued} queued mails sent (${result.mode === 'fake' ? 'to fake ESPs on loopback' : 'for real'}).`);
  process.exitCode = sent === result.queued ? 0 : 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
