/** The phone number of a user JID: "15550001111:7@s.whatsapp.net" → "15550001111"; null when there is none. */
export function phoneOf(jid: string | null | undefined): string | null {
  const match = jid ? /^(\d+)/.exec(jid) : null;
  return match ? match[1] : null;
}
