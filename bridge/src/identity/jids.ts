import { isJidGroup, isJidNewsletter, isJidStatusBroadcast, isLidUser, isPnUser, jidNormalizedUser } from '@whiskeysockets/baileys';

/** A user JID without device or agent (`123:4@s.whatsapp.net` → `123@s.whatsapp.net`); null when empty. */
export function userJid(jid: string | null | undefined): string | null {
  if (!jid) return null;
  const normalized = jidNormalizedUser(jid);
  return normalized || null;
}

export const isLid = (jid: string | null | undefined): jid is string => !!jid && !!isLidUser(jid);
export const isPhoneNumberJid = (jid: string | null | undefined): jid is string => !!jid && !!isPnUser(jid);
export const isGroup = (jid: string | null | undefined): jid is string => !!jid && !!isJidGroup(jid);
export const isStatusBroadcast = (jid: string | null | undefined): boolean => !!jid && !!isJidStatusBroadcast(jid);
export const isNewsletter = (jid: string | null | undefined): boolean => !!jid && !!isJidNewsletter(jid);
