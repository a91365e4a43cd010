import type { AnyMessageContent, MiscMessageGenerationOptions, WAMessage } from '@whiskeysockets/baileys';
import { conflict } from '../errors.ts';
import type { OwnerRpc } from './ownerRpc.ts';
import type { LocalSessions } from './localSessions.ts';
import type { SessionOwnership } from './sessionOwnership.ts';

const RPC_MS = 35_000;

export interface SendArgs {
  jid: string;
  content: AnyMessageContent;
  options?: MiscMessageGenerationOptions;
}

/** What only the owner of a session's socket can do, and what each returns. */
interface Commands {
  stop: { args: Record<string, never>; result: void };
  restart: { args: Record<string, never>; result: void };
  logout: { args: Record<string, never>; result: void };
  pairingCode: { args: { phoneNumber: string }; result: string };
  send: { args: SendArgs; result: WAMessage };
}
export type Command = keyof Commands;

/**
 * The owner's commands: run on the live session when this instance owns it, sent to the owning
 * instance over the owner RPC otherwise, and `unowned` when no instance does. This instance
 * answers other instances' commands for the sessions it owns.
 */
export function ownerCommands(deps: { local: LocalSessions; ownership: SessionOwnership; rpc: OwnerRpc; instanceId: string; rpcMs?: number }) {
  const { local, ownership, rpc, instanceId } = deps;
  const rpcMs = deps.rpcMs ?? RPC_MS;

  /** Runs the command on a session owned here; a session that moved away meanwhile is a no-op (or refused for answers). */
  async function runLocal<C extends Command>(sessionId: string, command: C, args: Commands[C]['args']): Promise<Commands[C]['result']> {
    const session = local.get(sessionId);
    type R = Commands[C]['result'];
    switch (command) {
      case 'stop': return (await session?.stop()) as R;
      case 'restart': return (await session?.restart()) as R;
      case 'logout': return (await session?.logout()) as R;
      case 'pairingCode': {
        if (!session) throw conflict('session_not_running', 'The session has no live connection; start it first.');
        return (await session.pairingCode((args as Commands['pairingCode']['args']).phoneNumber)) as R;
      }
      case 'send': {
        if (!session) throw conflict('session_not_connected', 'The session is not connected.', { status: 'stopped' });
        const a = args as SendArgs;
        return (await session.send(a.jid, a.content, a.options)) as R;
      }
      default: throw new Error(`unknown command ${String(command)}`);
    }
  }

  rpc.serve(async (method, args) => {
    const { sessionId, ...rest } = args as { sessionId: string };
    return await runLocal(sessionId, method as Command, rest as never);
  });

  return {
    async run<C extends Command>(sessionId: string, command: C, args: Commands[C]['args'], unowned: () => Promise<Commands[C]['result']>): Promise<Commands[C]['result']> {
      if (local.get(sessionId)) return await runLocal(sessionId, command, args);
      const owner = await ownership.owner(sessionId);
      if (!owner || owner.instanceId === instanceId) return await unowned();
      return await rpc.call<Commands[C]['result']>(owner.instanceId, command, { sessionId, ...args }, rpcMs);
    },
  };
}

export type OwnerCommands = ReturnType<typeof ownerCommands>;
