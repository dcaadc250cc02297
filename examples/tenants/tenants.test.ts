import { configure } from '@anymail/core';
import { afterAll, expect, it } from 'vitest';
import { runTenants } from './main.js';

afterAll(() => configure({}));

it('each tenant’s mail goes out with that tenant’s Postmark token, per connection and per message', async () => {
  const seen = await runTenants(() => undefined);
  expect(seen).toEqual(
    expect.arrayContaining([
      { token: 'acme-server-token', to: 'ann@customer.example' },
      { token: 'acme-server-token', to: 'bob@customer.example' },
      { token: 'globex-server-token', to: 'carl@customer.example' },
      { token: 'globex-server-token', to: 'dora@customer.example' },
      { token: 'acme-server-token', to: 'erin@customer.example' },
    ]),
  );
  expect(seen).toHaveLength(5);
});
