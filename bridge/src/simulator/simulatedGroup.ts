import { randomBytes, randomInt } from 'node:crypto';
import type { BinaryNode, proto } from '@whiskeysockets/baileys';
import { SimulatedContact } from './simulatedContact.ts';
import type { SimulatedPhone } from './simulatedPhone.ts';
import type { LinkedDevice } from './linkedDevice.ts';
import { deliverSenderKeyMessage, type SenderKeyEncTypes, type SenderKeyRecipient } from './senderKeyMessages.ts';
import type { WhatsAppSimulator } from './whatsAppSimulator.ts';

/** A group member: a simulated contact, or the linked account's own phone. */
export type GroupMember = SimulatedContact | SimulatedPhone;

/** Baileys' GroupParticipant.admin: what `<participant type=…>` says. */
export type GroupRole = 'superadmin' | 'admin' | null;

/**
 * How the group names its members on the wire: by phone number, or (WhatsApp's newer groups) by
 * LID with the phone number beside it (`participant_pn`, `phone_number`).
 */
export type GroupAddressing = 'pn' | 'lid';

export interface GroupParticipant {
  member: GroupMember;
  role: GroupRole;
}

/** Old groups are `<creator phone>-<creation time>@g.us`; newer ones 18 digits, `120363…@g.us`. */
const GROUP_JID = /^(\d{5,15}-\d{9,10}|\d{18})@g\.us$/;

export function isSimulatedGroupJid(jid: string): boolean {
  return GROUP_JID.test(jid);
}

// Groups live beside the simulator rather than in its state: they are not saved across restarts.
const registries = new WeakMap<WhatsAppSimulator, Map<string, SimulatedGroup>>();

function registryOf(simulator: WhatsAppSimulator): Map<string, SimulatedGroup> {
  let registry = registries.get(simulator);
  if (!registry) registries.set(simulator, (registry = new Map()));
  return registry;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * A WhatsApp group on the simulated server: a subject and members, some of them simulated
 * contacts who write to it with their sender keys (senderKeyMessages.ts), and what the server
 * answers about it (groupQueries.ts) and announces (`w:gp2` notifications).
 */
export class SimulatedGroup {
  readonly jid: string;
  readonly subject: string;
  readonly addressing: GroupAddressing;
  readonly creation = now();
  readonly creator: GroupMember;
  readonly #simulator: WhatsAppSimulator;
  readonly #participants: GroupParticipant[] = [];

  private constructor(simulator: WhatsAppSimulator, jid: string, subject: string, creator: GroupMember, addressing: GroupAddressing) {
    this.#simulator = simulator;
    this.jid = jid;
    this.subject = subject;
    this.creator = creator;
    this.addressing = addressing;
  }

  /**
   * A new group of `members`; the first is its creator (superadmin). `id` may be a full group JID
   * or its user part; without it the group gets an 18-digit JID as WhatsApp gives new groups.
   */
  static create(
    simulator: WhatsAppSimulator,
    options: { subject: string; members: GroupMember[]; id?: string; addressing?: GroupAddressing },
  ): SimulatedGroup {
    const [creator] = options.members;
    if (!creator) throw new Error('a group needs at least one member');
    const jid = options.id ? (options.id.endsWith('@g.us') ? options.id : `${options.id}@g.us`) : `120363${String(randomInt(0, 1e12)).padStart(12, '0')}@g.us`;
    if (!isSimulatedGroupJid(jid)) throw new Error(`${jid} is not a group JID (<digits>-<digits>@g.us or 18 digits @g.us)`);
    const registry = registryOf(simulator);
    if (registry.has(jid)) throw new Error(`group ${jid} exists`);
    const group = new SimulatedGroup(simulator, jid, options.subject, creator, options.addressing ?? 'pn');
    for (const member of options.members) group.#join(member, member === creator ? 'superadmin' : null);
    registry.set(jid, group);
    return group;
  }

  static find(simulator: WhatsAppSimulator, jid: string): SimulatedGroup | undefined {
    return registryOf(simulator).get(jid);
  }

  static all(simulator: WhatsAppSimulator): SimulatedGroup[] {
    return [...registryOf(simulator).values()];
  }

  participants(): GroupParticipant[] {
    return [...this.#participants];
  }

  /** Whether the account with this phone number or LID user part is a member. */
  includes(user: string): boolean {
    return this.#participants.some(({ member }) => member.phoneNumber === user || member.lid === user);
  }

  /** The member's JID in this group: its phone-number JID, or its LID in a LID-addressed group. */
  jidOf(member: GroupMember): string {
    return this.addressing === 'lid' ? member.lidJid : member.jid;
  }

  /** The members a device's message to the group reaches, for senderKeyMessages.ts. */
  recipients(): SenderKeyRecipient[] {
    return this.#participants.flatMap(({ member }) => (member instanceof SimulatedContact ? [{ contact: member, participant: this.jidOf(member) }] : []));
  }

  #join(member: GroupMember, role: GroupRole): boolean {
    if (this.#participants.some((p) => p.member === member)) return false;
    this.#participants.push({ member, role });
    return true;
  }

  /** `participant` (and in LID groups `participant_pn`): who sent or did something, as Baileys' extractAddressingContext reads it. */
  #actorAttrs(member: GroupMember): Record<string, string> {
    return this.addressing === 'lid' ? { participant: member.lidJid, participant_pn: member.jid, addressing_mode: 'lid' } : { participant: member.jid };
  }

  /** `<participant jid>`; in a LID group with `phone_number`, which Baileys keeps as participant.phoneNumber. */
  #participantNode(member: GroupMember, role: GroupRole): BinaryNode {
    const attrs: Record<string, string> = { jid: this.jidOf(member) };
    if (this.addressing === 'lid') attrs.phone_number = member.jid;
    if (role) attrs.type = role;
    return { tag: 'participant', attrs };
  }

  /**
   * The `<group>` node of a `w:g2` metadata answer, in the shape Baileys' extractGroupMetadata
   * (Socket/groups.js) reads: id without the server, subject with its owner and time, creation,
   * creator, addressing mode, one `<participant>` per member.
   */
  metadataNode(): BinaryNode {
    const lid = this.addressing === 'lid';
    const attrs: Record<string, string> = {
      id: this.jid.slice(0, -'@g.us'.length),
      subject: this.subject,
      s_t: String(this.creation),
      s_o: this.jidOf(this.creator),
      creation: String(this.creation),
      creator: this.jidOf(this.creator),
      size: String(this.#participants.length),
      addressing_mode: this.addressing,
      ...(lid ? { s_o_pn: this.creator.jid, creator_pn: this.creator.jid } : {}),
    };
    return { tag: 'group', attrs, content: this.#participants.map(({ member, role }) => this.#participantNode(member, role)) };
  }

  /** A member contact writes to the group; `to` (a device of a member account) receives it. Returns the id. */
  async sendText(from: SimulatedContact, to: LinkedDevice, text: string, id?: string): Promise<{ id: string; encTypes: SenderKeyEncTypes }> {
    return this.sendMessage(from, to, { conversation: text }, id);
  }

  async sendMessage(
    from: SimulatedContact,
    to: LinkedDevice,
    message: proto.IMessage,
    id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`,
  ): Promise<{ id: string; encTypes: SenderKeyEncTypes }> {
    if (!this.includes(from.phoneNumber)) throw new Error(`${from.phoneNumber} is not in ${this.jid}`);
    if (!this.includes(to.phone.phoneNumber)) throw new Error(`${to.phone.phoneNumber} is not in ${this.jid}`);
    const encTypes = await deliverSenderKeyMessage(this.#simulator, from, to, { chat: this.jid, attrs: this.#actorAttrs(from), id, message });
    return { id, encTypes };
  }

  /**
   * `by` adds members, and the server tells `to` with a `w:gp2` notification, which Baileys
   * (messages-recv.js, handleGroupNotification) turns into a GROUP_PARTICIPANT_ADD stub message.
   * Returns the notification id, or undefined when all of them were members already.
   */
  async addParticipants(members: GroupMember[], to: LinkedDevice, by: GroupMember = this.creator): Promise<string | undefined> {
    if (!this.#simulator.connectionOf(to)) throw new Error(`the device ${to.phone.phoneNumber}:${to.deviceId} is not connected`);
    const added = members.filter((member) => this.#join(member, null));
    if (added.length === 0) return undefined;
    const id = String(randomInt(1e9, 1e10));
    const node: BinaryNode = {
      tag: 'notification',
      attrs: { from: this.jid, type: 'w:gp2', id, t: String(now()), ...this.#actorAttrs(by), notify: by.pushName },
      content: [{ tag: 'add', attrs: {}, content: added.map((member) => this.#participantNode(member, null)) }],
    };
    if (!(await this.#simulator.deliverTo(to, node))) throw new Error(`the device ${to.phone.phoneNumber}:${to.deviceId} is not connected`);
    return id;
  }
}
