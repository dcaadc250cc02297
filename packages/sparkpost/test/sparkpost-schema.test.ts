import { describe, expect, it } from 'vitest';
import { sparkPostErrorBodySchema } from '../src/sparkpost-errors.js';
import { sparkPostResultSchema } from '../src/sparkpost-response.js';
import { blueprintExamples, expectValidTransmission, transmissionProblems } from './support/sparkpost-schema.js';

// The validator the payload tests rely on: it must accept SparkPost's own examples and refuse bad bodies.
describe('SparkPost transmission request validator', () => {
  const requests = blueprintExamples('Request');

  it('finds the request examples of transmissions.apib', () => {
    expect(requests.map((example) => example.section)).toEqual([
      'Send Inline Content [POST]',
      'Send a Template [POST]',
      'Send an A/B Test [POST]',
      'Send RFC822 Content [POST]',
      'Schedule a Transmission [POST /v1/transmissions/]',
    ]);
  });

  for (const example of requests) {
    it(`accepts the blueprint's "${example.section}" example`, () => expectValidTransmission(example.body));
  }

  it('refuses a body without recipients or content, an unknown field, a bad address, a forbidden header', () => {
    const content = { from: 'f@example.com', subject: 's', text: 't' };
    expect(transmissionProblems({ content }).join()).toContain('recipients');
    expect(transmissionProblems({ recipients: [{ address: 'a@example.com' }] }).join()).toContain('content');
    expect(transmissionProblems({ recipients: [{ address: 'a@example.com' }], content, campaign: 'x' }).join()).toContain('campaign');
    expect(transmissionProblems({ recipients: [{ address: { email: 'not an address' } }], content })).not.toEqual([]);
    expect(transmissionProblems({ recipients: [{ address: 'a@example.com' }], content: { ...content, headers: { To: 'x@example.com' } } })).not.toEqual([]);
    expect(transmissionProblems({ recipients: [{ address: 'a@example.com' }], content: { ...content, text: undefined } })).not.toEqual([]);
    expect(transmissionProblems({ recipients: [{ address: 'a@example.com' }], content, options: { start_time: '2026-12-04 10:00' } })).not.toEqual([]);
  });
});

describe('SparkPost answer schemas against the blueprint', () => {
  // Answers to creating a transmission (the blueprint also shows GET/DELETE answers of scheduled ones).
  const responses = blueprintExamples('Response').filter((example) => example.section.includes('[POST'));

  it('reads every success example (results with counts and an id)', () => {
    const successes = responses.filter((example) => 'results' in (example.body as object));
    expect(successes).toHaveLength(5);
    for (const example of successes) expect(sparkPostResultSchema.safeParse(example.body).success).toBe(true);
  });

  it('reads every error example ({errors: [{message, code, description?}]})', () => {
    const errors = responses.filter((example) => !('results' in (example.body as object)));
    expect(errors.length).toBeGreaterThanOrEqual(5);
    for (const example of errors) expect(sparkPostErrorBodySchema.safeParse(example.body).success).toBe(true);
  });
});
