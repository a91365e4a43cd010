import type { IDataObject } from 'n8n-workflow';

const MESSAGE_EVENTS = new Set([
	'message.received',
	'message.sent',
	'message.updated',
	'message.edited',
	'message.deleted',
	'message.reaction',
	'poll.vote',
	'message.undecryptable',
]);

/** Reads the message either at data or at data.message (both shapes are accepted). */
function messageOf(data: IDataObject): IDataObject {
	const nested = data.message;
	return nested && typeof nested === 'object' && !Array.isArray(nested) ? (nested as IDataObject) : data;
}

/**
 * Flattens an event to the fields a workflow usually needs. Messages keep who, where and what
 * (text, media caption and URL, location); session events keep the status.
 */
export function simplifyEvent(event: IDataObject): IDataObject {
	const data = (event.data && typeof event.data === 'object' ? event.data : {}) as IDataObject;
	const base: IDataObject = { event: event.type, eventId: event.id, session: event.session ?? data.session ?? null };
	if (!MESSAGE_EVENTS.has(String(event.type))) {
		return { ...base, ...data, timestamp: event.timestamp };
	}
	const message = messageOf(data);
	const media = (message.media && typeof message.media === 'object' ? message.media : undefined) as IDataObject | undefined;
	const location = (message.location && typeof message.location === 'object' ? message.location : undefined) as
		| IDataObject
		| undefined;
	const out: IDataObject = {
		...base,
		id: message.id,
		messageId: message.messageId,
		chat: message.chat,
		from: message.from,
		fromMe: message.fromMe,
		direction: message.direction,
		type: message.type,
		text: message.text ?? media?.caption ?? null,
		status: message.status,
		quotedMessageId: message.quotedMessageId ?? null,
		timestamp: message.timestamp ?? event.timestamp,
	};
	if (message.pushName !== undefined) out.pushName = message.pushName;
	// Identity beside the phone numbers, and what the change events add.
	for (const field of ['chatLid', 'fromLid', 'chatName', 'previousText', 'deletedBy', 'vote', 'poll'] as const) {
		if (message[field] !== undefined && message[field] !== null) out[field] = message[field];
	}
	if (media) {
		out.mimetype = media.mimetype ?? null;
		const filename = media.fileName ?? media.filename;
		if (filename) out.filename = filename;
		if (media.size !== undefined && media.size !== null) out.size = media.size;
		if (media.url) out.mediaUrl = media.url;
	}
	const reaction = message.reaction as IDataObject | null | undefined;
	if (reaction && typeof reaction === 'object') {
		out.reaction = reaction.emoji;
		// message.reaction: the reaction is on this message; otherwise this message is a reaction to another.
		out.reactionTo = event.type === 'message.reaction' ? message.messageId : (reaction.messageId ?? null);
		if (event.type === 'message.reaction') {
			out.reactionFrom = reaction.from;
			out.reactionRemoved = reaction.removed === true;
		}
	}
	if (location) {
		out.latitude = location.latitude;
		out.longitude = location.longitude;
		if (location.name) out.locationName = location.name;
		if (location.address) out.locationAddress = location.address;
	}
	return out;
}
