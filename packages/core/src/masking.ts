/**
 * Masking of contact data for places that must show that a contact was set or changed without
 * showing the contact (audit entries): enough to tell two values apart, not enough to reach anyone.
 */

const HIDDEN = '***';

/** `owner@example.com` → `o***@example.com`; anything that is not an address → `***`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return HIDDEN;
  return `${email.slice(0, 1)}${HIDDEN}${email.slice(at)}`;
}

/** `+4915112345678` → `***678`: the last three digits only; fewer than six digits → `***`. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length < 6 ? HIDDEN : `${HIDDEN}${digits.slice(-3)}`;
}

/**
 * A URL reduced to its scheme and the first character of its host
 * (`https://hooks.example.com/cost?k=v` → `https://h***`): a webhook's host can name a person or
 * a company as well as an address can.
 */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.origin === 'null' || !parsed.hostname) return HIDDEN;
    return `${parsed.protocol}//${parsed.hostname.slice(0, 1)}${HIDDEN}`;
  } catch {
    return HIDDEN;
  }
}

/** A secret is never shown: only whether one is set. */
export const maskSecret = (secret: string | undefined): string | null => (secret ? HIDDEN : null);
