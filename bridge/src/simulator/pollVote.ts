import { createHash, randomBytes } from 'node:crypto';
import { aesEncryptGCM, hmacSign, proto } from '@whiskeysockets/baileys';

/** A poll as its voters know it: its id, its creator and the secret its votes are encrypted with. */
export interface SimulatedPoll {
  id: string;
  /** The creator's phone-number JID (`<pn>@s.whatsapp.net`). */
  creatorJid: string;
  secret: Uint8Array;
  options: string[];
}

/**
 * A vote encrypted the way WhatsApp does it: the exact inverse of Baileys' decryptPollVote
 * (Utils/process-message.js): key = HMAC(HMAC(secret) over id, creator, voter, "Poll Vote", 1),
 * AES-256-GCM with the additional data `<poll id>\0<voter jid>`, over a PollVoteMessage that
 * names each chosen option by the SHA-256 of its text.
 */
export function pollVote(poll: SimulatedPoll, voterJid: string, selected: string[]): proto.Message.IPollEncValue {
  const sign = Buffer.concat([
    Buffer.from(poll.id),
    Buffer.from(poll.creatorJid),
    Buffer.from(voterJid),
    Buffer.from('Poll Vote'),
    new Uint8Array([1]),
  ]);
  const key0 = hmacSign(Buffer.from(poll.secret), new Uint8Array(32), 'sha256');
  const key = hmacSign(sign, key0, 'sha256');
  const iv = randomBytes(12);
  const vote = proto.Message.PollVoteMessage.encode({
    selectedOptions: selected.map((option) => createHash('sha256').update(option).digest()),
  }).finish();
  const encPayload = aesEncryptGCM(vote, key, iv, Buffer.from(`${poll.id}\u0000${voterJid}`));
  return { encPayload, encIv: iv };
}
