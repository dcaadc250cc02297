// Property-based header-injection fuzzing (issue #13): seeded and bounded here; run longer with
// `pnpm fuzz` (FUZZ_RUNS, FUZZ_SEED). See support/header-fuzz.ts for what is generated and checked.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnymailError, EmailMessage } from '@anymail/core';
import { checkCase, closeRigs, examined, fuzzCase, fuzzParameters, hostileAddress, hostileText, startRigs, type EspRig } from './support/header-fuzz.js';

let rigs: EspRig[];
beforeAll(async () => {
  rigs = await startRigs();
});
afterAll(async () => {
  await closeRigs(rigs);
});

describe('header-injection fuzzing', () => {
  it('hostile values in every header-bound field: clean MIME and ESP payloads, no stranger, only Anymail errors', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzCase, (fuzz) => checkCase(fuzz, rigs)),
      { ...fuzzParameters(300), endOnFailure: true },
    );
    // Enough messages get through the checks for their output to be examined.
    if (!process.env.FUZZ_RUNS) for (const path of ['MIME', 'Mailgun', 'SendGrid', 'Postmark', 'Amazon SES']) expect(examined[path] ?? 0).toBeGreaterThan(20);
    if (process.env.FUZZ_RUNS) console.log('examined renders per path:', examined);
  }, 600_000);

  it('the constructor and the address parser never crash on hostile strings', () => {
    fc.assert(
      fc.property(hostileAddress, hostileText(), (address, subject) => {
        try {
          new EmailMessage({ to: address, subject }).recipientEmails();
        } catch (error) {
          expect(AnymailError.isInstance(error), String(error)).toBe(true);
        }
      }),
      fuzzParameters(1000),
    );
  });
});
