import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskEmail, maskPhone, maskSecret, maskUrl } from '../src/masking.js';

describe('masking of contacts', () => {
  it('keeps the first letter and the domain of an e-mail address', () => {
    expect(maskEmail('owner@example.com')).toBe('o***@example.com');
    expect(maskEmail('a@b.de')).toBe('a***@b.de');
    for (const bad of ['', '@example.com', 'owner@', 'no-at-sign']) expect(maskEmail(bad)).toBe('***');
  });

  it('keeps the last three digits of a phone number', () => {
    expect(maskPhone('+4915112345678')).toBe('***678');
    expect(maskPhone('+1 (555) 010-0199')).toBe('***199');
    expect(maskPhone('12345')).toBe('***');
  });

  it('reduces a webhook URL to its scheme and the first character of its host', () => {
    expect(maskUrl('https://hooks.example.com/cost/abc?token=secret#x')).toBe('https://h***');
    expect(maskUrl('http://127.0.0.1:8080/hook')).toBe('http://1***');
    expect(maskUrl('not a url')).toBe('***');
    expect(maskUrl('mailto:owner@example.com')).toBe('***');
  });

  it('never shows a secret', () => {
    expect(maskSecret('at-least-16-characters')).toBe('***');
    expect(maskSecret(undefined)).toBeNull();
  });

  it('never returns the local part of an address or more than three digits of a number', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const masked = maskEmail(email);
        const local = email.slice(0, email.lastIndexOf('@'));
        // Before the domain, only the first character of the local part is left (the domain itself
        // may spell the local part: `aa@a.aa`).
        const maskedLocal = masked.slice(0, masked.lastIndexOf('@'));
        return maskedLocal === `${local.slice(0, 1)}***` && masked.endsWith(email.slice(local.length));
      }),
    );
    expect(maskEmail('aa@a.aa')).toBe('a***@a.aa');
    fc.assert(
      fc.property(fc.stringMatching(/^\+[1-9]\d{7,13}$/), (phone) => {
        const digits = maskPhone(phone).replace(/\D/g, '');
        return digits.length <= 3;
      }),
    );
  });
});
