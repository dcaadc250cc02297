import { describe, expect, it } from 'vitest';
import { AnymailStatus } from '@anymail/core';

describe('AnymailStatus', () => {
  it('forAll gives every recipient the same status and id', () => {
    const status = AnymailStatus.forAll(['a@example.com', 'b@example.com'], 'queued', 'id-1', { raw: true });
    expect(status.recipients).toEqual({ 'a@example.com': { status: 'queued', messageId: 'id-1' }, 'b@example.com': { status: 'queued', messageId: 'id-1' } });
    expect([...status.status]).toEqual(['queued']);
    expect(status.messageId).toBe('id-1');
    expect(status.espResponse).toEqual({ raw: true });
  });

  it('setRecipientStatus merges, and derives status and messageId from the recipients', () => {
    const status = AnymailStatus.forAll(['a@example.com'], 'queued', 'id-1');
    status.setRecipientStatus({ 'b@example.com': { status: 'rejected', messageId: null } });
    expect(Object.keys(status.recipients)).toEqual(['a@example.com', 'b@example.com']);
    expect([...status.status].sort()).toEqual(['queued', 'rejected']);
    // As Anymail: the set of every recipient's id, the rejected one's null included.
    expect(status.messageId).toEqual(new Set(['id-1', null]));
    status.setRecipientStatus({ 'b@example.com': { status: 'queued', messageId: 'id-2' } });
    expect(status.messageId).toEqual(new Set(['id-1', 'id-2']));
  });

  it('messageId: one value only when every recipient agrees, null included (as Anymail)', () => {
    const status = new AnymailStatus().setRecipientStatus({
      'a@example.com': { status: 'rejected', messageId: null },
      'b@example.com': { status: 'rejected', messageId: null },
    });
    expect(status.messageId).toBeNull();
    status.setRecipientStatus({ 'c@example.com': { status: 'sent', messageId: 'id-3' } });
    expect(status.messageId).toEqual(new Set([null, 'id-3']));
    status.setRecipientStatus({ 'a@example.com': { status: 'sent', messageId: 'id-3' }, 'b@example.com': { status: 'sent', messageId: 'id-3' } });
    expect(status.messageId).toBe('id-3');
  });

  it('keys recipients by address only: no inherited names, JSON as a plain object', () => {
    const status = AnymailStatus.forAll(['a@example.com'], 'sent', 'id-1');
    expect(status.recipients['constructor']).toBeUndefined();
    expect('toString' in status.recipients).toBe(false);
    expect(new AnymailStatus().recipients['hasOwnProperty']).toBeUndefined();
    expect(JSON.parse(JSON.stringify(status.recipients))).toEqual({ 'a@example.com': { status: 'sent', messageId: 'id-1' } });
  });
});
