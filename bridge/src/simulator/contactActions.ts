import { z } from 'zod';
import type { LinkedDevice } from './linkedDevice.ts';
import type { SimulatedContact } from './simulatedContact.ts';

/**
 * What a simulated contact can send a linked device, as the control API and the sandbox routes
 * take it: a text, or WhatsApp's other traffic (edits, revokes, reactions, polls and votes, a
 * message the device cannot decrypt), addressed by phone number or by LID.
 */
export const contactAction = z
  .object({
    kind: z.enum(['text', 'edit', 'revoke', 'reaction', 'poll', 'vote', 'undecryptable']).default('text'),
    text: z.string().min(1).max(65_536).optional(),
    /** edit, revoke, reaction, vote: the WhatsApp id of the message it is about. */
    messageId: z.string().regex(/^[A-Za-z0-9]{8,64}$/).optional(),
    /** reaction: the emoji ("" removes it); the target was sent by the contact unless `targetFromDevice`. */
    emoji: z.string().max(16).optional(),
    targetFromDevice: z.boolean().optional(),
    /** poll: the options; vote: the chosen ones. */
    options: z.array(z.string().min(1).max(100)).min(1).max(12).optional(),
    /** How WhatsApp addresses the contact from now on (`lid`: `addressing_mode="lid"`). */
    addressing: z.enum(['pn', 'lid']).optional(),
    /** With LID addressing: whether stanzas carry the contact's number (`sender_pn`). */
    sharesPhoneNumber: z.boolean().optional(),
    /** Whether the contact answers the device's retry receipts with the content (from now on). */
    answersRetries: z.boolean().optional(),
  })
  .superRefine((body, ctx) => {
    const need = (field: keyof typeof body, why: string) => {
      if (body[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is required for ${why}` });
    };
    if (['text', 'edit', 'undecryptable'].includes(body.kind)) need('text', `kind "${body.kind}"`);
    if (['edit', 'revoke', 'reaction', 'vote'].includes(body.kind)) need('messageId', `kind "${body.kind}"`);
    if (body.kind === 'reaction') need('emoji', 'a reaction');
    if (body.kind === 'poll' || body.kind === 'vote') need('options', `kind "${body.kind}"`);
    if (body.kind === 'poll') need('text', 'a poll (its question)');
  });

export type ContactAction = z.infer<typeof contactAction>;

export class UnknownTarget extends Error {}

/** Sends what `action` says from `contact` to `device`; returns the new message's WhatsApp id. */
export async function performContactAction(contact: SimulatedContact, device: LinkedDevice, action: ContactAction, id?: string): Promise<string> {
  if (action.addressing) contact.addressing = action.addressing;
  if (action.sharesPhoneNumber !== undefined) contact.sharesPhoneNumber = action.sharesPhoneNumber;
  if (action.answersRetries !== undefined) contact.answersRetries = action.answersRetries;
  const target = action.messageId ?? '';
  switch (action.kind) {
    case 'text':
      return contact.sendText(device, action.text!, id);
    case 'edit':
      return contact.sendEdit(device, target, action.text!);
    case 'revoke':
      return contact.sendRevoke(device, target);
    case 'reaction':
      return contact.sendReaction(device, { id: target, sentByContact: action.targetFromDevice !== true }, action.emoji!);
    case 'poll':
      return contact.sendPoll(device, action.text!, action.options!);
    case 'vote': {
      const poll = contact.polls.get(target);
      if (!poll) throw new UnknownTarget(`${contact.phoneNumber} created no poll ${target}`);
      return contact.sendVote(device, poll, action.options!);
    }
    case 'undecryptable':
      return contact.sendUndecryptable(device, action.text!);
  }
}
