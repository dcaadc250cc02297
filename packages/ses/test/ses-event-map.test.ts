import { describe, expect, it } from 'vitest';
import { sesEvents } from '../src/ses-event-map.js';

describe('SES event mapping: metadata and tags round-trip from the backend', () => {
  it('reads X-Metadata (JSON) and X-Tag headers that SesBackend sent, when SES includes original headers', () => {
    const record = {
      eventType: 'Delivery',
      mail: {
        messageId: 'ses-message-1',
        destination: ['to@example.com'],
        headersTruncated: false,
        headers: [
          { name: 'From', value: 'from@example.com' },
          { name: 'X-Metadata', value: '{"orderId":"42","user":"u1"}' },
          { name: 'X-Tag', value: 'receipt' },
          { name: 'X-Tag', value: 'shop' },
        ],
        tags: { 'ses:configuration-set': ['cs'], campaign: ['spring'] },
      },
      delivery: { timestamp: '2026-11-21T00:00:00.000Z', recipients: ['to@example.com'], smtpResponse: '250 OK' },
    };
    const [event] = sesEvents(record, 'sns-1');
    expect(event!.eventType).toBe('delivered');
    expect(event!.metadata).toEqual({ orderId: '42', user: 'u1', campaign: 'spring' });
    expect(event!.tags).toEqual(['receipt', 'shop']);
  });

  it('ignores an X-Metadata header that is not a JSON object', () => {
    const record = {
      eventType: 'Send',
      mail: { messageId: 'm', destination: ['a@example.com'], headers: [{ name: 'X-Metadata', value: 'not json' }] },
      send: {},
    };
    const [event] = sesEvents(record, undefined);
    expect(event!.metadata).toEqual({});
  });
});
