// CI proves the README's first command: `pnpm demo` runs the main job and says what it did.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runDemo } from './demo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the demo', () => {
  it('`pnpm demo` queues, fails over, delivers, gets tracking back and prints the table', async () => {
    // The script `pnpm demo` runs, with a smaller batch (the default is 60).
    const script = JSON.parse((await import('node:fs')).readFileSync(`${root}package.json`, 'utf8')).scripts.demo as string;
    expect(script).toBe('tsx examples/demo/main.ts');
    const { stdout, stderr } = await promisify(execFile)('pnpm', ['-s', 'demo', '--count', '24'], { cwd: root, env: { ...process.env, POSTMARK_SERVER_TOKEN: '', MAILGUN_API_KEY: '' } });
    expect(stdout).toContain("this demo runs against the packages' own FAKE ESPs on loopback");
    expect(stdout).toContain('No real mail is sent.');
    expect(stdout).toContain('Outbox statuses: sent 24');
    expect(stdout).toMatch(/\| Postmark +\| \d+ +\| [1-9]\d* +\|/);
    expect(stdout).toContain('Demo complete: 24 of 24 queued mails sent (to fake ESPs on loopback).');
    expect(stderr).toContain('delivering [##############################] 24/24');
  }, 120_000);

  it('sends every message once, through the ESP that was up, and counts the tracking events per ESP', async () => {
    const lines: string[] = [];
    const result = await runDemo({ count: 30, env: {}, log: (line) => lines.push(line), progress: { write: () => true } });
    expect(result.mode).toBe('fake');
    expect(result.outboxStatuses).toEqual({ sent: 30 });
    const [postmark, mailgun] = result.rows;
    expect(postmark!.esp).toBe('Postmark');
    expect(mailgun!.esp).toBe('Mailgun');
    expect(postmark!.sent + mailgun!.sent).toBe(30);
    expect(postmark!.failoversFrom).toBeGreaterThan(0); // the simulated outage
    expect(mailgun!.sent).toBeGreaterThan(0);
    // One 'delivered' per mail, one 'opened' for every third, each counted for the ESP that sent it.
    expect(postmark!.delivered).toBe(postmark!.sent);
    expect(mailgun!.delivered).toBe(mailgun!.sent);
    expect(postmark!.opened + mailgun!.opened).toBe(10);
    expect(result.trackingEvents).toBe(40);
  });

  it('refuses --to without ESP credentials instead of pretending to send', async () => {
    await expect(runDemo({ to: 'me@example.com', env: {}, log: () => undefined })).rejects.toThrow(/--to needs ESP credentials: POSTMARK_SERVER_TOKEN/);
  });
});
