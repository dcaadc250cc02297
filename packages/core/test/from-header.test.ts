import { describe, expect, it } from 'vitest';
import { AnymailInvalidAddress, EmailMessage, resolveFeatures } from '@anymail/core';

const resolve = (init: ConstructorParameters<typeof EmailMessage>[0], defaults = {}) =>
  resolveFeatures(new EmailMessage({ to: ['to@example.com'], body: 'Body', ...init }), defaults);

describe("headers.From (Anymail's rule for every ESP)", () => {
  it('becomes the From header, and from becomes the envelope sender', () => {
    const features = resolve({ from: 'bounces@example.com', headers: { From: 'Shown <shown@example.com>', 'X-Other': '1' } });
    expect(features.from!.map((a) => a.address)).toEqual(['Shown <shown@example.com>']);
    expect(features.envelopeSender!.addrSpec).toBe('bounces@example.com');
    expect(features.headers).toEqual({ 'X-Other': '1' });
  });

  it('matches the header name in any case, and takes several From addresses', () => {
    const features = resolve({ from: 'env@example.com', headers: { from: 'a@example.com, B <b@example.com>' } });
    expect(features.from!.map((a) => a.addrSpec)).toEqual(['a@example.com', 'b@example.com']);
    expect(features.envelopeSender!.addrSpec).toBe('env@example.com');
    expect(features.headers).toBeUndefined();
  });

  it('keeps an explicit envelopeSender, and sets none when from is the same address', () => {
    expect(resolve({ from: 'env@example.com', envelopeSender: 'x@example.com', headers: { From: 'a@example.com' } }).envelopeSender!.addrSpec).toBe('x@example.com');
    const same = resolve({ from: 'a@example.com', headers: { From: 'Name Only <a@example.com>' } });
    expect(same.envelopeSender).toBeUndefined();
    expect(same.from![0]!.address).toBe('Name Only <a@example.com>');
  });

  it('works from a send-default From header, and without any from', () => {
    expect(resolve({}, { from: 'env@example.com', headers: { From: 'h@example.com' } }).from![0]!.addrSpec).toBe('h@example.com');
    const alone = resolve({ headers: { From: 'h@example.com' } });
    expect(alone.from![0]!.addrSpec).toBe('h@example.com');
  });

  it('refuses a from list when it must become the (single) envelope sender, and a blank header', () => {
    expect(() => resolve({ from: 'a@example.com, b@example.com', headers: { From: 'h@example.com' } })).toThrow(AnymailInvalidAddress);
    expect(() => resolve({ from: 'a@example.com', headers: { From: '  ' } })).toThrow(/headers\.From/);
  });
});
