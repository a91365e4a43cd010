import type { mongo } from 'mongoose';
import { generateMessageIDV2, proto, type AnyMessageContent, type MiscMessageGenerationOptions, type WAMessage } from '@whiskeysockets/baileys';
import type { Models } from '../models/index.ts';
import type { MessageDoc } from '../models/message.ts';
import type { EventRecorder } from '../events/eventTypes.ts';
import type { SessionGateway } from '../sessions/sessionGateway.ts';
import type { Logger } from '../infra/logger.ts';
import { TimeoutError, withDeadline } from '../infra/deadline.ts';
import { DomainError, refusedBeforeSending, unavailable } from '../errors.ts';
import type { SendMessageBody } from '../http/routes/messages/schemas.ts';
import { storedMessageId } from './messageKey.ts';
import { statusRank } from './messageStatus.ts';
import type { MessageStore } from './messageStore.ts';
import { messageView } from './messageView.ts';
import { recipientJid } from './recipient.ts';
import { loadMedia, type MediaFetchOptions } from './outboundMedia.ts';
import type { Claim, IdempotencyKeys, KeyResult } from './idempotency.ts';
import type { LidDirectory } from '../identity/lidDirectory.ts';

export interface SendRequest {
  organizationId: string;
  session: string;
  body: SendMessageBody;
  idempotencyKey?: string;
}

export interface MessageSenderDeps {
  models: Models;
  store: MessageStore;
  events: EventRecorder;
  idempotency: IdempotencyKeys;
  gateway: () => SessionGateway | undefined;
  log: Logger;
  media: MediaFetchOptions;
  lids: LidDirectory;
  /** How long WhatsApp may take to accept a message (media uploads included). */
  sendTimeoutMs?: number;
}

/**
 * What came of a send: accepted by WhatsApp (or perhaps: `status` is pending when the answer did
 * not come in time), or refused by WhatsApp (stored with status error). Nothing sent at all is an
 * error (a DomainError) instead.
 */
export type SendOutcome =
  | { outcome: 'accepted'; id: string; messageId: string; status: MessageDoc['status'] }
  | { outcome: 'refused'; id: string; messageId: string; reason: string };

/** The outcome an Idempotency-Key kept (keys completed by earlier versions kept the HTTP answer). */
function replayedOutcome(result: KeyResult): SendOutcome {
  if (result.outcome === 'accepted' || result.outcome === 'refused') return result as SendOutcome;
  const body = (result.legacyBody ?? {}) as { id?: string; messageId?: string; status?: MessageDoc['status']; error?: { message?: string; details?: { id?: string } } };
  if (result.legacyStatus === 202) return { outcome: 'accepted', id: body.id ?? '', messageId: body.messageId ?? '', status: body.status ?? 'pending' };
  return { outcome: 'refused', id: body.error?.details?.id ?? '', messageId: '', reason: body.error?.message ?? 'WhatsApp did not accept the message' };
}

type Prepared = { content: AnyMessageContent; stored: Pick<MessageDoc, 'type' | 'text' | 'media' | 'location' | 'reaction'> };

const NO_CONTENT = { text: null, media: null, location: null, reaction: null } as const;
const COMPLETE_ATTEMPTS = 6;

/** Sends through the session gateway; the message is stored first (pending), then marked sent. */
export function messageSender(deps: MessageSenderDeps) {
  const { models, store, events, log } = deps;
  const sendTimeoutMs = deps.sendTimeoutMs ?? 60_000;

  async function storedKeyOf(organizationId: string, session: string, chat: string, messageId: string) {
    // Sent or received: the two ids the message can have (its unique key includes fromMe).
    const ids = [true, false].map((fromMe) => storedMessageId({ organizationId, session, messageId, fromMe }));
    const doc = await models.Message.findOne({ _id: { $in: ids } }, { fromMe: 1, from: 1, text: 1 }).maxTimeMS(5_000).lean<Pick<MessageDoc, 'fromMe' | 'from' | 'text'>>();
    return {
      key: { remoteJid: chat, id: messageId, fromMe: doc?.fromMe ?? false, ...(doc?.from && doc.from !== chat && !doc.fromMe ? { participant: doc.from } : {}) },
      text: doc?.text ?? '',
    };
  }

  /** The session's own number (the `from` of what it sends) and the recipient's LID, when known. */
  async function addressesOf(organizationId: string, session: string, jid: string) {
    const [own, chatLid] = await Promise.all([
      models.Session.findOne({ organizationId, name: session }, { phoneNumber: 1 }).maxTimeMS(5_000).lean<{ phoneNumber: string | null }>(),
      deps.lids.lidOf(organizationId, jid).catch(() => null),
    ]);
    return { from: own?.phoneNumber ? `${own.phoneNumber}@s.whatsapp.net` : null, chatLid };
  }

  async function prepare(req: SendRequest, jid: string): Promise<Prepared> {
    const b = req.body;
    if (b.text !== undefined) return { content: { text: b.text }, stored: { ...NO_CONTENT, type: 'text', text: b.text } };
    if (b.location) {
      const { latitude, longitude, name, address } = b.location;
      return {
        content: { location: { degreesLatitude: latitude, degreesLongitude: longitude, name, address } },
        stored: { ...NO_CONTENT, type: 'location', location: { latitude, longitude, name: name ?? null, address: address ?? null } },
      };
    }
    if (b.reaction) {
      const target = await storedKeyOf(req.organizationId, req.session, jid, b.reaction.messageId);
      return {
        content: { react: { text: b.reaction.emoji, key: target.key } },
        stored: { ...NO_CONTENT, type: 'reaction', text: b.reaction.emoji, reaction: { messageId: b.reaction.messageId, emoji: b.reaction.emoji } },
      };
    }
    const kind = b.image ? 'image' : b.video ? 'video' : b.audio ? 'audio' : 'document';
    const spec = (b.image ?? b.video ?? b.audio ?? b.document)!;
    const buffer = await loadMedia(spec, deps.media);
    const caption = kind === 'audio' ? undefined : spec.caption;
    const media = { mimetype: spec.mimetype, fileName: spec.filename ?? null, size: buffer.length, caption: caption ?? null, seconds: null, width: null, height: null };
    const ptt = kind === 'audio' && b.audio?.ptt === true;
    const content: AnyMessageContent =
      kind === 'image'
        ? { image: buffer, mimetype: spec.mimetype, caption }
        : kind === 'video'
          ? { video: buffer, mimetype: spec.mimetype, caption }
          : kind === 'audio'
            ? { audio: buffer, mimetype: spec.mimetype, ptt }
            : { document: buffer, mimetype: spec.mimetype, fileName: spec.filename ?? 'file', caption };
    return { content, stored: { ...NO_CONTENT, type: ptt ? 'voice' : kind, text: caption ?? null, media } };
  }

  async function markSent(doc: MessageDoc, sent: WAMessage | undefined): Promise<MessageDoc> {
    const sentRank = statusRank('sent');
    const collection = models.Message.collection as unknown as mongo.Collection<MessageDoc>;
    // What went out, encoded: a contact's retry receipt is answered from it (getMessage).
    const wire = sent?.message ? Buffer.from(proto.Message.encode(sent.message).finish()).toString('base64') : null;
    if (wire) await collection.updateOne({ _id: doc._id }, { $set: { wire } });
    const updated = await collection.findOneAndUpdate(
      { _id: doc._id, statusRank: { $lt: sentRank } },
      { $set: { status: 'sent', statusRank: sentRank } },
      { returnDocument: 'after' },
    );
    // Null when a receipt already moved it further: read what is stored.
    const current = (updated as MessageDoc | null) ?? (await models.Message.findOne({ _id: doc._id }).lean<MessageDoc>()) ?? doc;
    await events.record({
      organizationId: doc.organizationId,
      type: 'message.sent',
      session: doc.session,
      data: { ...messageView(current) },
      dedupeKey: `message.sent:${doc._id}`,
    });
    return current;
  }

  async function deliver(req: SendRequest, gateway: SessionGateway, jid: string): Promise<SendOutcome> {
    const prepared = await prepare(req, jid);
    const messageId = generateMessageIDV2();
    const key = { organizationId: req.organizationId, session: req.session, messageId, fromMe: true };
    const now = new Date();
    const addresses = await addressesOf(req.organizationId, req.session, jid);
    const doc: MessageDoc = {
      _id: storedMessageId(key),
      ...key,
      chat: jid,
      chatLid: addresses.chatLid,
      from: addresses.from,
      fromLid: null,
      pushName: null,
      direction: 'out',
      ...prepared.stored,
      rawType: null,
      contacts: null,
      quotedMessageId: req.body.quotedMessageId ?? null,
      status: 'pending',
      statusRank: statusRank('pending'),
      timestamp: now,
      createdAt: now,
    };
    const options: MiscMessageGenerationOptions & { messageId: string } = { messageId };
    if (req.body.quotedMessageId) {
      const quoted = await storedKeyOf(req.organizationId, req.session, jid, req.body.quotedMessageId);
      options.quoted = { key: quoted.key, message: { conversation: quoted.text } } as WAMessage;
    }
    // Stored before sending: the socket echoes the sent message (messages.upsert) at once, and
    // that echo must find this document rather than create a second one.
    await store.insertOutbound(doc);
    let sent: WAMessage;
    try {
      sent = await withDeadline(gateway.sendMessage(req.organizationId, req.session, jid, prepared.content, options), sendTimeoutMs, 'WhatsApp (send)');
    } catch (error) {
      if (refusedBeforeSending(error)) {
        // Refused before anything was asked of WhatsApp (unknown or disconnected session, owner
        // unreachable): nothing went out, so nothing is kept and the Idempotency-Key is released.
        await models.Message.deleteMany({ _id: doc._id, status: 'pending' });
        throw error;
      }
      if (error instanceof TimeoutError || (error instanceof DomainError && error.kind === 'outcome_unknown')) {
        // Asked, but no answer in time (here, or from the owning instance): it may have gone out.
        // Kept pending (the socket's echo and receipts settle it), and the key is kept too, so a
        // retry gets this answer instead of a second message.
        log.warn({ err: error, session: req.session, id: doc._id }, 'send outcome unknown; left pending');
        return { outcome: 'accepted', id: doc._id, messageId, status: 'pending' };
      }
      log.warn({ err: error, session: req.session, id: doc._id }, 'send failed');
      await store.applyStatus({ ...key, status: 'error' }).catch((err: unknown) => log.warn({ err, id: doc._id }, 'could not mark the message as failed'));
      return { outcome: 'refused', id: doc._id, messageId, reason: (error as Error).message ?? 'unknown error' };
    }
    if (sent?.key?.id && sent.key.id !== messageId) log.warn({ expected: messageId, got: sent.key.id }, 'socket replaced the message id');
    // Sent: whatever fails from here on, the answer is "accepted" (receipts move the status on).
    const current = await markSent(doc, sent).catch((err: unknown) => {
      log.error({ err, session: req.session, id: doc._id }, 'sent, but could not record it as sent; its receipts will');
      return { ...doc, status: 'sent' as const };
    });
    return { outcome: 'accepted', id: doc._id, messageId, status: current.status };
  }

  /** Completes the key, retrying a few times: a key left in progress would lapse and let a retry send again. */
  async function completeKey(claim: Extract<Claim, { kind: 'claimed' }>, outcome: SendOutcome): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await claim.complete({ ...outcome });
        return;
      } catch (err) {
        if (attempt >= COMPLETE_ATTEMPTS) {
          log.error({ err, outcome: outcome.outcome, id: outcome.id }, 'could not complete an idempotency key; a retry after it lapses may send again');
          return;
        }
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  return {
    async send(req: SendRequest): Promise<SendOutcome> {
      const jid = recipientJid(req.body.to);
      const gateway = deps.gateway();
      if (!gateway) throw unavailable('sessions_unavailable', 'Sessions are not available on this bridge.');
      if (!req.idempotencyKey) return deliver(req, gateway, jid);
      const claim = await deps.idempotency.claim({ organizationId: req.organizationId, session: req.session, key: req.idempotencyKey }, req.body);
      if (claim.kind === 'replay') return replayedOutcome(claim.result);
      let outcome: SendOutcome;
      try {
        outcome = await deliver(req, gateway, jid);
      } catch (error) {
        // deliver() throws only when nothing went out.
        await claim.release().catch((err: unknown) => log.warn({ err }, 'could not release an idempotency key'));
        throw error;
      }
      // Once anything may have gone out, the key answers every retry with this outcome.
      await completeKey(claim, outcome);
      return outcome;
    },
  };
}

export type MessageSender = ReturnType<typeof messageSender>;
