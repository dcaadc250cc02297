import { expect, it } from 'vitest';
import { runFailoverDemo } from './failover-demo.js';

it('the failover example sends through Postmark while Mailgun is down, and stops asking Mailgun', async () => {
  const lines: string[] = [];
  const result = await runFailoverDemo((line) => lines.push(line));
  expect(result.statuses.map((status) => status.espName)).toEqual(['Postmark', 'Postmark', 'Postmark']);
  expect(result.mailgunCalls).toBe(2);
  expect(result.postmarkCalls).toBe(3);
  expect(lines.filter((line) => line.startsWith('failover:'))).toHaveLength(2);
});
