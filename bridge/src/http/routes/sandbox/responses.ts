import { z } from 'zod';

/** What the sandbox routes answer (the OpenAPI document's response schemas; requests are in router.ts). */

const device = z.object({
  /** `<phone>:<device>@s.whatsapp.net` */
  jid: z.string(),
  phoneNumber: z.string(),
  deviceId: z.number().int(),
  /** Whether the session's Baileys asked for the full history when it registered (its receive.history is "full"). */
  requiresFullSync: z.boolean(),
});

export const sandboxScanResponse = z.object({ device });

export const sandboxInboundResponse = z.object({
  messageId: z.string(),
  kind: z.enum(['text', 'edit', 'revoke', 'reaction', 'poll', 'vote', 'undecryptable']),
  from: z.string(),
  to: z.string(),
});

export const sandboxReceivedResponse = z.object({
  data: z.array(z.object({ messageId: z.string(), text: z.string().nullable(), to: z.string() })),
});

export const sandboxReceiptResponse = z.object({ messageId: z.string(), type: z.enum(['delivery', 'read']) });

export const sandboxPhoneLogoutResponse = z.object({ device, loggedOut: z.literal(true) });

export const sandboxHistorySyncResponse = z.object({ to: z.string(), messages: z.number().int(), mappings: z.number().int() });

export const sandboxGroupResponse = z.object({
  jid: z.string(),
  subject: z.string(),
  addressingMode: z.enum(['pn', 'lid']),
  participants: z.array(z.object({ phoneNumber: z.string(), jid: z.string(), lid: z.string(), admin: z.enum(['superadmin', 'admin']).nullable() })),
});

export const sandboxGroupMessageResponse = z.object({ messageId: z.string(), group: z.string(), from: z.string(), to: z.string() });

export const sandboxParticipantsResponse = sandboxGroupResponse.extend({ notificationId: z.string().nullable() });

export const sandboxStatusResponse = z.object({ messageId: z.string(), from: z.string(), to: z.string() });

export const sandboxChannelPostResponse = z.object({ messageId: z.string(), channel: z.string(), to: z.string() });

export const sandboxLinkedProfileResponse = z.object({ notificationId: z.string(), lid: z.string(), pn: z.string(), to: z.string() });
