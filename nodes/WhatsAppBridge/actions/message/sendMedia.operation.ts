import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';
import { idempotencyKeyOption, quotedMessageIdOption, sessionProperty, toProperty } from '../common.descriptions';
import { sendMessage } from './send';

const properties: INodeProperties[] = [
	sessionProperty,
	toProperty,
	{
		displayName: 'Media Type',
		name: 'mediaType',
		type: 'options',
		default: 'image',
		options: [
			{ name: 'Audio', value: 'audio' },
			{ name: 'Document', value: 'document' },
			{ name: 'Image', value: 'image' },
			{ name: 'Video', value: 'video' },
		],
		description: 'How WhatsApp shows the file',
	},
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		default: 'url',
		options: [
			{ name: 'URL', value: 'url', description: 'The bridge downloads the file from a URL' },
			{ name: 'Binary Data', value: 'binary', description: 'A file from an earlier node (binary property)' },
		],
		description: 'Where the file comes from',
	},
	{
		displayName: 'Media URL',
		name: 'mediaUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. https://example.com/picture.jpg',
		description: 'Public URL of the file',
		displayOptions: { show: { source: ['url'] } },
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		required: true,
		default: 'data',
		hint: 'The name of the input binary field containing the file to send',
		displayOptions: { show: { source: ['binary'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Caption',
				name: 'caption',
				type: 'string',
				default: '',
				description: 'Text shown with the image, video or document',
			},
			{
				displayName: 'File Name',
				name: 'filename',
				type: 'string',
				default: '',
				description: 'File name shown to the recipient (documents); defaults to the binary file name',
			},
			idempotencyKeyOption,
			{
				displayName: 'MIME Type',
				name: 'mimetype',
				type: 'string',
				default: '',
				placeholder: 'e.g. application/pdf',
				description:
					'Overrides the MIME type (by default the binary data\'s own, or guessed from the URL\'s file extension)',
			},
			quotedMessageIdOption,
			{
				displayName: 'Send as Voice Note',
				name: 'ptt',
				type: 'boolean',
				default: false,
				description: 'Whether to send audio as a voice note (push to talk) instead of an audio file',
			},
		],
	},
];

/** The bridge needs a MIME type; for URLs it is guessed from the file extension when not given. */
const MIME_BY_EXTENSION: Record<string, string> = {
	jpg: 'image/jpeg',
	jpeg: 'image/jpeg',
	png: 'image/png',
	gif: 'image/gif',
	webp: 'image/webp',
	mp4: 'video/mp4',
	'3gp': 'video/3gpp',
	mov: 'video/quicktime',
	mp3: 'audio/mpeg',
	ogg: 'audio/ogg',
	opus: 'audio/ogg',
	m4a: 'audio/mp4',
	aac: 'audio/aac',
	wav: 'audio/wav',
	pdf: 'application/pdf',
	txt: 'text/plain',
	csv: 'text/csv',
	zip: 'application/zip',
	doc: 'application/msword',
	docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	xls: 'application/vnd.ms-excel',
	xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
	ppt: 'application/vnd.ms-powerpoint',
	pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

const DEFAULT_MIME: Record<string, string> = {
	image: 'image/jpeg',
	video: 'video/mp4',
	audio: 'audio/mpeg',
	document: 'application/octet-stream',
};

function guessMimeType(url: string, mediaType: string): string {
	let path = url;
	try {
		path = new URL(url).pathname;
	} catch {
		// keep the raw string
	}
	const extension = path.split('/').pop()?.split('.').slice(1).pop()?.toLowerCase();
	return (extension && MIME_BY_EXTENSION[extension]) || DEFAULT_MIME[mediaType] || 'application/octet-stream';
}

export const description = updateDisplayOptions({ show: { resource: ['message'], operation: ['sendMedia'] } }, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const mediaType = this.getNodeParameter('mediaType', itemIndex) as string;
	const source = this.getNodeParameter('source', itemIndex) as string;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const media: IDataObject = {};

	if (source === 'binary') {
		const propertyName = String(this.getNodeParameter('binaryPropertyName', itemIndex, 'data')).trim();
		const binary = this.helpers.assertBinaryData(itemIndex, propertyName);
		const buffer = await this.helpers.getBinaryDataBuffer(itemIndex, propertyName);
		media.base64 = buffer.toString('base64');
		media.mimetype = options.mimetype || binary.mimeType;
		const filename = options.filename || binary.fileName;
		if (filename) media.filename = filename;
	} else {
		const url = String(this.getNodeParameter('mediaUrl', itemIndex, '')).trim();
		if (!/^https?:\/\//i.test(url)) {
			throw new NodeOperationError(this.getNode(), `"${url}" is not an http(s) URL`, { itemIndex });
		}
		media.url = url;
		media.mimetype = options.mimetype || guessMimeType(url, mediaType);
		if (options.filename) media.filename = options.filename;
	}
	if (options.caption && mediaType !== 'audio') media.caption = options.caption;
	if (mediaType === 'audio' && options.ptt) media.ptt = true;

	const [result] = await sendMessage.call(this, itemIndex, { [mediaType]: media });
	return [{ json: { ...result.json, type: mediaType } }];
}
