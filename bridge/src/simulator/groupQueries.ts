import { getBinaryNodeChild, type BinaryNode } from '@whiskeysockets/baileys';
import type { LinkedDevice } from './linkedDevice.ts';
import { SimulatedGroup } from './simulatedGroup.ts';
import type { WhatsAppSimulator } from './whatsAppSimulator.ts';

function answer(iq: BinaryNode, content: BinaryNode[]): BinaryNode {
  return { tag: 'iq', attrs: { from: iq.attrs.to ?? '@g.us', type: 'result', id: iq.attrs.id }, content };
}

/** What WhatsApp answers for a group that does not exist or that the asker is not in; Baileys' query throws it as a Boom. */
function notFound(iq: BinaryNode): BinaryNode {
  const error: BinaryNode = { tag: 'error', attrs: { code: '404', text: 'item-not-found' } };
  return { tag: 'iq', attrs: { from: iq.attrs.to ?? '@g.us', type: 'error', id: iq.attrs.id }, content: [error] };
}

/**
 * Answers the `w:g2` queries of Baileys' Socket/groups.js that read groups: groupMetadata
 * (`<query request="interactive"/>` to the group JID) and groupFetchAllParticipating
 * (`<participating>` to `@g.us`, answered `<groups><group/>…</groups>`). Anything else (creating,
 * changing groups) is left to the router's empty result.
 */
export function answerGroupQuery(simulator: WhatsAppSimulator, device: LinkedDevice, iq: BinaryNode): BinaryNode | undefined {
  if (iq.attrs.type !== 'get') return undefined;
  const account = device.phone.phoneNumber;
  if (getBinaryNodeChild(iq, 'query')) {
    const group = SimulatedGroup.find(simulator, iq.attrs.to);
    return group?.includes(account) ? answer(iq, [group.metadataNode()]) : notFound(iq);
  }
  if (getBinaryNodeChild(iq, 'participating')) {
    const groups = SimulatedGroup.all(simulator).filter((group) => group.includes(account));
    return answer(iq, [{ tag: 'groups', attrs: {}, content: groups.map((group) => group.metadataNode()) }]);
  }
  return undefined;
}
