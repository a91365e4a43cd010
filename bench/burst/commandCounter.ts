/**
 * Preloaded into the bridge (NODE_OPTIONS=--import, BURST_COUNT_COMMANDS=1): counts the MongoDB
 * commands the bridge's own clients send, by command and collection, through the driver's
 * command monitoring. On SIGUSR2 it writes the running totals to BURST_COMMANDS_FILE as
 * {seq, counts}; the benchmark takes two readings and subtracts. Costs some CPU: not for the
 * timed figures.
 */
import { createRequire } from 'node:module';
import { renameSync, writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
// The driver mongoose uses (one copy in this repository's node_modules).
const { MongoClient } = require(require.resolve('mongodb', { paths: [require.resolve('mongoose')] })) as typeof import('mongodb');

const counts: Record<string, number> = {};
let seq = 0;
const connect = MongoClient.prototype.connect;
MongoClient.prototype.connect = function (this: InstanceType<typeof MongoClient> & { monitorCommands: boolean }) {
  this.monitorCommands = true;
  this.on('commandStarted', (event) => {
    const target = event.command[event.commandName];
    const key = `${event.commandName} ${typeof target === 'string' ? target : ''}`.trim();
    counts[key] = (counts[key] ?? 0) + 1;
    const ops = event.command.documents ?? event.command.updates ?? event.command.deletes;
    if (Array.isArray(ops)) counts[`${key} (ops)`] = (counts[`${key} (ops)`] ?? 0) + ops.length;
  });
  return connect.call(this);
} as typeof connect;

process.on('SIGUSR2', () => {
  seq += 1;
  const file = process.env.BURST_COMMANDS_FILE;
  if (!file) return;
  // Whole or not at all: the benchmark may read it at any moment.
  writeFileSync(`${file}.tmp`, JSON.stringify({ seq, counts }));
  renameSync(`${file}.tmp`, file);
});
