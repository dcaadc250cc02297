import { describe, expect, it } from 'vitest';
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
