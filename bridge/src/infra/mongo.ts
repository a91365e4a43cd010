import mongoose, { type Connection } from 'mongoose';

export interface MongoOptions {
  uri: string;
  /** Overrides the database named in the URI (tests use one database per file). */
  dbName?: string;
}

/**
 * One mongoose connection per application state (not the global default), so several states can
 * live in one process. Commands are not buffered while disconnected: an outage answers quickly
 * with an error the API maps to 503 instead of hanging requests. Everything else (pool size,
 * TLS, replica set, write concern) comes from MONGODB_URI, as with any MongoDB client.
 */
export async function connectMongo(options: MongoOptions): Promise<Connection> {
  const connection = mongoose.createConnection(options.uri, {
    dbName: options.dbName,
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    socketTimeoutMS: 30_000,
    heartbeatFrequencyMS: 2_000,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: true,
  });
  await connection.asPromise();
  return connection;
}
