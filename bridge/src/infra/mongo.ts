import mongoose, { type Connection } from 'mongoose';

export interface MongoOptions {
  uri: string;
  /** Overrides the database named in the URI (tests use one database per file). */
  dbName?: string;
}

const DEFAULT_POOL_SIZE = 20;

/**
 * The driver lets an option given in code override the same option in the URI, so a
 * `maxPoolSize` in MONGODB_URI would be ignored; it wins here. (FerretDB 1.x deadlocks when more
 * operations run at once than half its PostgreSQL pool: local runs keep the pool small.)
 */
function poolOptions(uri: string): { maxPoolSize?: number } {
  return /[?&]maxPoolSize=/i.test(uri) ? {} : { maxPoolSize: DEFAULT_POOL_SIZE };
}

/**
 * One mongoose connection per application state (not the global default), so several states can
 * live in one process. Commands are not buffered while disconnected: an outage answers quickly
 * with an error the API maps to 503 instead of hanging requests.
 */
export async function connectMongo(options: MongoOptions): Promise<Connection> {
  const connection = mongoose.createConnection(options.uri, {
    dbName: options.dbName,
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    socketTimeoutMS: 30_000,
    heartbeatFrequencyMS: 2_000,
    ...poolOptions(options.uri),
    bufferCommands: false,
    autoIndex: false,
    autoCreate: true,
  });
  await connection.asPromise();
  return connection;
}
