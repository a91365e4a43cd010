import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { decodeBinaryNode, encodeBinaryNode, type BinaryNode } from '@whiskeysockets/baileys';
import { encodeFrame, FrameDecoder } from './frameCodec.ts';
import { NoiseResponder, type ClientFinish } from './noiseResponder.ts';
import type { KeyPair } from './curveKeys.ts';
import { buildCertificateChain } from './certificateChain.ts';

type Stage = 'hello' | 'finish' | 'stanzas' | 'closed';

interface ConnectionEvents {
  handshake: [ClientFinish];
  stanza: [BinaryNode];
  close: [];
}

/**
 * One WebSocket from a WhatsApp Web client: frames, the Noise handshake, then encrypted binary
 * nodes in both directions. What the stanzas mean is the simulator's business, not this class's.
 */
export class DeviceConnection extends EventEmitter<ConnectionEvents> {
  readonly #ws: WebSocket;
  readonly #decoder = new FrameDecoder();
  readonly #noise: NoiseResponder;
  readonly #waiting = new Map<string, (node: BinaryNode) => void>();
  #stage: Stage = 'hello';
  #inbox: Promise<void> = Promise.resolve();
  #nextId = 1;
  /** Set once the device has logged in (or is pairing), for routing and logs. */
  deviceJid: string | undefined;

  constructor(ws: WebSocket, serverStatic: KeyPair) {
    super();
    this.#ws = ws;
    this.#noise = new NoiseResponder(serverStatic, buildCertificateChain(serverStatic.public));
    ws.on('message', (data: Buffer) => {
      // Frames must be handled strictly in order: the Noise counters advance per frame.
      this.#inbox = this.#inbox.then(() => this.#receive(data)).catch(() => this.drop());
    });
    ws.on('close', () => this.#closed());
    ws.on('error', () => this.drop());
  }

  get open(): boolean {
    return this.#stage !== 'closed';
  }

  async send(node: BinaryNode): Promise<void> {
    if (this.#stage !== 'stanzas') return;
    const frame = encodeFrame(this.#noise.encrypt(encodeBinaryNode(node)));
    await new Promise<void>((resolve) => this.#ws.send(frame, () => resolve()));
  }

  /** Sends an iq and resolves with the client's answer (matched by id). */
  async query(node: BinaryNode, timeoutMs = 10_000): Promise<BinaryNode> {
    const id = node.attrs.id ?? `sim-${this.#nextId++}`;
    node.attrs.id = id;
    const answer = new Promise<BinaryNode>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`no answer to ${node.tag} ${id}`));
      }, timeoutMs);
      this.#waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
    await this.send(node);
    return answer;
  }

  /** Resolves with the next stanza from the client matching `predicate` (it is still routed as usual). */
  waitFor(predicate: (node: BinaryNode) => boolean, timeoutMs = 10_000): Promise<BinaryNode> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('stanza', listener);
        reject(new Error('the client did not send the expected stanza'));
      }, timeoutMs);
      const listener = (node: BinaryNode): void => {
        if (!predicate(node)) return;
        clearTimeout(timer);
        this.off('stanza', listener);
        resolve(node);
      };
      this.on('stanza', listener);
    });
  }

  nextId(): string {
    return `sim-${this.#nextId++}`;
  }

  /** Closes the WebSocket without a goodbye, like a network drop or a server going away. */
  drop(): void {
    if (this.#stage === 'closed') return;
    this.#ws.terminate();
    this.#closed();
  }

  /** Closes after the pending frames are flushed (after a stream:error or failure). */
  close(): void {
    if (this.#stage === 'closed') return;
    this.#ws.close();
    this.#closed();
  }

  #closed(): void {
    if (this.#stage === 'closed') return;
    this.#stage = 'closed';
    this.#waiting.clear();
    this.emit('close');
  }

  async #receive(data: Buffer): Promise<void> {
    for (const frame of this.#decoder.push(data)) {
      switch (this.#stage) {
        case 'hello':
          this.#ws.send(encodeFrame(this.#noise.answerHello(frame)));
          this.#stage = 'finish';
          break;
        case 'finish': {
          const finish = this.#noise.acceptFinish(frame);
          this.#stage = 'stanzas';
          this.emit('handshake', finish);
          break;
        }
        case 'stanzas': {
          const node = await decodeBinaryNode(this.#noise.decrypt(frame));
          const waiter = node.tag === 'iq' && node.attrs.id ? this.#waiting.get(node.attrs.id) : undefined;
          if (waiter && (node.attrs.type === 'result' || node.attrs.type === 'error')) {
            this.#waiting.delete(node.attrs.id);
            waiter(node);
          } else {
            this.emit('stanza', node);
          }
          break;
        }
        case 'closed':
          return;
      }
    }
  }
}
