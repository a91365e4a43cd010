import { invalid } from '../errors.ts';

/**
 * A recipient as a WhatsApp JID: phone numbers (digits, optional +, spaces, dashes, dots and
 * parentheses ignored) become `<digits>@s.whatsapp.net`; user JIDs lose their device suffix;
 * group (@g.us) and LID (@lid) JIDs are kept.
 */
export function recipientJid(to: string): string {
  const value = to.trim();
  const user = /^(\d{5,20})(?::\d+)?@s\.whatsapp\.net$/.exec(value);
  if (user) return `${user[1]}@s.whatsapp.net`;
  if (/^\d{5,20}@lid$/.test(value) || /^\d{5,20}(-\d{5,20})?@g\.us$/.test(value)) return value;
  if (/^\+?[\d\s().-]+$/.test(value)) {
    const digits = value.replace(/\D/g, '');
    if (digits.length >= 6 && digits.length <= 15) return `${digits}@s.whatsapp.net`;
  }
  throw invalid(
    'invalid_recipient',
    '`to` must be a phone number in international format (e.g. +49 151 2345678) or a JID ending in @s.whatsapp.net, @g.us or @lid.',
  );
}
