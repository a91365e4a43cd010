import type { HistoryConversation, HistorySyncContent } from './historySync.ts';
import type { SimulatedContact } from './simulatedContact.ts';

/** A chat to put in a history sync, as the control API takes it. */
export interface ContactChat {
  /** The contact's phone number. */
  with: string;
  /** Oldest first. */
  messages: { text: string; fromMe?: boolean }[];
}

/** A short exchange, so a history sync with no chats given still has messages both ways. */
function greeting(contact: SimulatedContact): ContactChat['messages'] {
  return [{ text: `Hi, it's ${contact.pushName}` }, { text: `Hi ${contact.pushName}!`, fromMe: true }];
}

/**
 * The history the phone has with simulated contacts: a PN chat per contact, the contact's push
 * name, and its PN↔LID pair, the same LID the simulator's usync answers for it, so Baileys learns
 * the mapping it would otherwise learn on first contact. `chats` pairs each with its contact;
 * without chats, every contact gets a greeting.
 */
export function contactHistory(chats: { contact: SimulatedContact; messages?: ContactChat['messages'] }[]): HistorySyncContent {
  const conversations: HistoryConversation[] = chats.map(({ contact, messages }) => ({
    jid: contact.jid,
    name: contact.pushName,
    lidJid: contact.lidJid,
    messages: (messages ?? greeting(contact)).map((m) => ({ text: m.text, fromMe: m.fromMe === true, pushName: contact.pushName })),
  }));
  const contacts = [...new Set(chats.map((c) => c.contact))];
  return {
    syncType: 'RECENT',
    conversations,
    mappings: contacts.map((c) => ({ pn: c.jid, lid: c.lidJid })),
    pushNames: contacts.map((c) => ({ jid: c.jid, pushName: c.pushName })),
  };
}
