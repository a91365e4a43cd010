import { initAuthCreds, type AnyMessageContent, type MiscMessageGenerationOptions, type WAMessage, type SignalKeyStore } from '@whiskeysockets/baileys';
import type { SessionGateway, SocketEventSink } from '../../bridge/src/sessions/sessionGateway.ts';
import { conflict, notFound, refused } from '../../bridge/src/errors.ts';
import type { Logger } from '../../bridge/src/infra/logger.ts';
import type { FakeSocket, FakeWhatsApp } from './fakeSocket.ts';

/** A key store that keeps nothing (the fake socket never encrypts). */
const dummyKeys: SignalKeyStore = {
  get: async () => ({}),
  set: async () => undefined,
};

/**
 * Test-only stand-in for the Sessions feature's gateway: (organization, session name) → a
 * FakeSocket with the bridge's sinks attached. Throws the documented 404/409 errors.
 */
export class FakeGateway implements SessionGateway {
  private readonly sockets = new Map<string, { socket: FakeSocket; detach: () => void }>();
  private whatsapp: FakeWhatsApp | undefined;
  private sinks: SocketEventSink[] = [];
  private log: Logger | undefined;
  /** Every send that reached a socket, with the options the bridge passed. */
  readonly calls: Array<{ organizationId: string; sessionName: string; jid: string; content: AnyMessageContent; options?: MiscMessageGenerationOptions }> = [];

  /** Connects the gateway to a started test bridge (its fake WhatsApp and its sinks). */
  bind(whatsapp: FakeWhatsApp, sinks: SocketEventSink[], log: Logger): void {
    this.whatsapp = whatsapp;
    this.sinks = sinks;
    this.log = log;
  }

  /** Creates a session's socket, attaches the sinks and opens it (unless `open` is false). */
  connect(organizationId: string, sessionName: string, open = true): FakeSocket {
    if (!this.whatsapp || !this.log) throw new Error('FakeGateway.bind() first');
    const creds = initAuthCreds();
    const socket = this.whatsapp.factory({ auth: { creds, keys: dummyKeys }, label: `${organizationId}/${sessionName}`, logger: this.log }) as FakeSocket;
    const detachers = this.sinks.map((sink) => sink.attach({ organizationId, sessionId: `sess_${sessionName}`, sessionName }, socket));
    this.sockets.set(`${organizationId}/${sessionName}`, { socket, detach: () => detachers.forEach((d) => d()) });
    if (open) socket.open();
    return socket;
  }

  disconnect(organizationId: string, sessionName: string): void {
    const entry = this.sockets.get(`${organizationId}/${sessionName}`);
    entry?.detach();
    entry?.socket.end();
  }

  closeAll(): void {
    for (const entry of this.sockets.values()) {
      entry.detach();
      entry.socket.end();
    }
    this.sockets.clear();
  }

  async sendMessage(organizationId: string, sessionName: string, jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage> {
    const entry = this.sockets.get(`${organizationId}/${sessionName}`);
    if (!entry) throw notFound('session_not_found', `No session ${sessionName}`);
    if (entry.socket.state !== 'open') {
      const status = entry.socket.ended ? 'stopped' : 'connecting';
      throw conflict('session_not_connected', `Session ${sessionName} is not connected (${status}).`, { status });
    }
    this.calls.push({ organizationId, sessionName, jid, content, options });
    const sent = await entry.socket.sendMessage(jid, content, options);
    if (!sent) throw refused('send_failed', 'the socket returned nothing');
    return sent;
  }
}
