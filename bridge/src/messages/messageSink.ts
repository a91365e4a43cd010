import type { SessionContext, SocketEventSink } from '../sessions/sessionGateway.ts';
import type { SocketEvents, WhatsAppSocket } from '../whatsapp/socket.ts';
import type { Logger } from '../infra/logger.ts';
import type { MessageDoc } from '../models/message.ts';
import type { ContactUpdate } from '../contacts/contactStore.ts';
import type { InboundPipeline } from './inboundPipeline.ts';
import type { StatusChange } from './messageStore.ts';
import { normaliseMessage } from './normalizeMessage.ts';
import { statusFromBaileys, statusFromReceipt } from './messageStatus.ts';

type Listener<E extends keyof SocketEvents> = (arg: SocketEvents[E]) => void;

/**
 * Listens to a session's socket: messages (live and history), status updates, receipts and
 * contacts go into the inbound pipeline. The returned detach removes every listener it added.
 */
export function messageSink(pipeline: InboundPipeline, log: Logger): SocketEventSink {
  return {
    attach(context: SessionContext, socket: WhatsAppSocket): () => void {
      const ref = { organizationId: context.organizationId, session: context.sessionName };
      const keyOf = (key: { remoteJid?: string | null; id?: string | null; fromMe?: boolean | null }) =>
        key.remoteJid && key.id ? { ...ref, chat: key.remoteJid, messageId: key.id, fromMe: key.fromMe === true } : null;

      const onUpsert: Listener<'messages.upsert'> = ({ messages }) => {
        const now = new Date();
        const docs: MessageDoc[] = [];
        for (const message of messages) {
          try {
            const doc = normaliseMessage(ref, message, now);
            if (doc) docs.push(doc);
          } catch (err) {
            log.warn({ err, session: ref.session, messageId: message.key?.id }, 'could not read an inbound message; skipped');
          }
        }
        void pipeline.messages(docs);
      };

      const onUpdate: Listener<'messages.update'> = (updates) => {
        const changes: StatusChange[] = [];
        for (const { key, update } of updates) {
          const target = keyOf(key);
          const status = statusFromBaileys(update.status);
          if (target && status) changes.push({ ...target, status });
        }
        void pipeline.status(changes);
      };

      const onReceipt: Listener<'message-receipt.update'> = (updates) => {
        const changes: StatusChange[] = [];
        for (const { key, receipt } of updates) {
          const target = keyOf(key);
          const status = statusFromReceipt(receipt);
          if (target && status) changes.push({ ...target, status });
        }
        void pipeline.status(changes);
      };

      const onContacts: Listener<'contacts.upsert'> = (contacts) => {
        void pipeline.contacts(ref.organizationId, ref.session, contacts as ContactUpdate[]);
      };
      const onContactsUpdate: Listener<'contacts.update'> = (contacts) => {
        const withId = contacts.filter((c) => typeof c.id === 'string') as ContactUpdate[];
        void pipeline.contacts(ref.organizationId, ref.session, withId);
      };

      socket.ev.on('messages.upsert', onUpsert);
      socket.ev.on('messages.update', onUpdate);
      socket.ev.on('message-receipt.update', onReceipt);
      socket.ev.on('contacts.upsert', onContacts);
      socket.ev.on('contacts.update', onContactsUpdate);
      return () => {
        socket.ev.off('messages.upsert', onUpsert);
        socket.ev.off('messages.update', onUpdate);
        socket.ev.off('message-receipt.update', onReceipt);
        socket.ev.off('contacts.upsert', onContacts);
        socket.ev.off('contacts.update', onContactsUpdate);
      };
    },
  };
}
