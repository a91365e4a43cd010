import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Redis } from 'ioredis';
import { withDeadline } from './deadline.ts';

/** A database's identity, made by the first bridge that used it (collection `deployment`). */
interface DeploymentDoc {
  _id: 'deployment';
  deploymentId: string;
  /** The Redis key prefix of this deployment's bridges when REDIS_KEY_PREFIX is not set. */
  defaultPrefix: string;
  createdAt: Date;
}

/** The prefix earlier versions used by default: a database that has data from them keeps it. */
const LEGACY_PREFIX = 'wab';
const REDIS_MS = 5_000;

export class DeploymentConflictError extends Error {}

/**
 * Which deployment this bridge belongs to, and the Redis key prefix it uses. One deployment is
 * one database: its bridges share leases, queues and channels under one prefix. The default
 * prefix derives from the database (wab-<its id>), so deployments on different databases that
 * share a Redis never meet. A prefix set by hand is claimed in Redis for its database; a bridge
 * on another database that asks for the same prefix refuses to start (it would take the other
 * deployment's webhook and inbound-write jobs, which point at documents it does not have).
 */
export async function resolveDeployment(mongo: Connection, redis: Redis, explicitPrefix: string | undefined): Promise<{ deploymentId: string; keyPrefix: string }> {
  const deployments = mongo.db!.collection<DeploymentDoc>('deployment');
  let doc = await deployments.findOne({ _id: 'deployment' });
  if (!doc) {
    // A database written by an earlier version keeps its prefix, so its queued jobs are found.
    const hasData = (await mongo.db!.collection('organizations').countDocuments({}, { limit: 1 })) > 0;
    const deploymentId = randomBytes(6).toString('hex');
    const candidate: DeploymentDoc = { _id: 'deployment', deploymentId, defaultPrefix: hasData ? LEGACY_PREFIX : `wab-${deploymentId}`, createdAt: new Date() };
    await deployments.updateOne({ _id: 'deployment' }, { $setOnInsert: candidate }, { upsert: true });
    doc = await deployments.findOne({ _id: 'deployment' });
    if (!doc) throw new Error('could not record the deployment in the database');
  }
  const keyPrefix = explicitPrefix ?? doc.defaultPrefix;
  const claimKey = `${keyPrefix}:deployment`;
  await withDeadline(redis.set(claimKey, doc.deploymentId, 'NX'), REDIS_MS, 'Redis (deployment claim)');
  const owner = await withDeadline(redis.get(claimKey), REDIS_MS, 'Redis (deployment claim)');
  if (owner !== doc.deploymentId) {
    throw new DeploymentConflictError(
      `REDIS_KEY_PREFIX "${keyPrefix}" is already used by a deployment on another database (deployment ${owner}; this database is ${doc.deploymentId}): give this deployment a prefix of its own, or point it at that database`,
    );
  }
  return { deploymentId: doc.deploymentId, keyPrefix };
}
