// Exit 0 when the MongoDB-compatible server on 127.0.0.1:<port> answers a ping within the
// timeout, 1 otherwise. A FerretDB whose PostgreSQL pool deadlocked still accepts connections
// but never answers; scripts/lib.sh uses this to tell the two apart.
import { MongoClient } from 'mongodb';

const port = process.argv[2] ?? '27017';
const timeoutMs = Number(process.argv[3] ?? 10_000);
const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: timeoutMs, socketTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
const timer = setTimeout(() => process.exit(1), timeoutMs + 1_000);
try {
  await client.db('admin').command({ ping: 1 });
  // A ping is answered without PostgreSQL; listing databases needs a pool connection.
  await client.db('admin').admin().listDatabases({ nameOnly: true });
  process.exitCode = 0;
} catch {
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  await client.close().catch(() => undefined);
}
