// Prints "mongodb <version>" or "ferretdb <version>" and exits 0 when the server on
// 127.0.0.1:<port> answers a ping and a database listing within the timeout; exits 1 otherwise.
// A server that accepts connections but no longer answers (a stuck backend) fails here, and
// scripts/lib.sh restarts it when it is ours.
import { MongoClient } from 'mongodb';

const port = process.argv[2] ?? '27017';
const timeoutMs = Number(process.argv[3] ?? 10_000);
const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: timeoutMs, socketTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
const timer = setTimeout(() => process.exit(1), timeoutMs + 1_000);
try {
  const admin = client.db('admin');
  const info = await admin.command({ buildInfo: 1 });
  // buildInfo and ping can be answered by a proxy alone; listing databases needs the storage.
  await admin.admin().listDatabases({ nameOnly: true });
  const ferretdb = info.ferretdb?.version ?? info.ferretdbVersion; // v2 : v1
  console.log(ferretdb ? `ferretdb ${ferretdb}` : `mongodb ${info.version}`);
  process.exitCode = 0;
} catch {
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  await client.close().catch(() => undefined);
}
