import { NOISE_WA_HEADER } from '@whiskeysockets/baileys';

const LENGTH_BYTES = 3;

/** Prefixes a frame with its 3-byte big-endian length, as WhatsApp Web's transport does. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length >= 1 << 24) throw new Error('frame too large');
  const frame = Buffer.alloc(LENGTH_BYTES + payload.length);
  frame.writeUIntBE(payload.length, 0, LENGTH_BYTES);
  frame.set(payload, LENGTH_BYTES);
  return frame;
}

/**
 * Splits the client's byte stream into frames. The client's very first bytes are the intro
 * header ("WA", protocol version, dictionary version) and are not part of any frame.
 */
export class FrameDecoder {
  #buffer = Buffer.alloc(0);
  #sawIntro = false;

  push(data: Uint8Array): Buffer[] {
    this.#buffer = Buffer.concat([this.#buffer, data]);
    if (!this.#sawIntro) {
      if (this.#buffer.length < NOISE_WA_HEADER.length) return [];
      const intro = this.#buffer.subarray(0, NOISE_WA_HEADER.length);
      if (!intro.equals(NOISE_WA_HEADER)) throw new Error(`unexpected intro header ${intro.toString('hex')}`);
      this.#buffer = this.#buffer.subarray(NOISE_WA_HEADER.length);
      this.#sawIntro = true;
    }
    const frames: Buffer[] = [];
    while (this.#buffer.length >= LENGTH_BYTES) {
      const size = this.#buffer.readUIntBE(0, LENGTH_BYTES);
      if (this.#buffer.length < LENGTH_BYTES + size) break;
      frames.push(Buffer.from(this.#buffer.subarray(LENGTH_BYTES, LENGTH_BYTES + size)));
      this.#buffer = this.#buffer.subarray(LENGTH_BYTES + size);
    }
    return frames;
  }
}
