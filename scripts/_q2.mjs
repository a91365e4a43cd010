import { MongoClient } from 'mongodb';
const c = await MongoClient.connect('mongodb://127.0.0.1:27017/');
const dbs = (await c.db('admin').admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name).filter((n) => n.startsWith('t_soak'));
for (const n of dbs) {
  const db = c.db(n);
  const by = await db.collection('webhook_deliveries').aggregate([{ $group: { _id: '$status', n: { $sum: 1 } } }]).toArray();
  const m = await db.collection('messages').countDocuments({ direction: 'in' });
  const ev = await db.collection('events').countDocuments({ dispatchedAt: null });
  console.log(n, JSON.stringify(by), 'messages in', m, 'undispatched events', ev);
}
await c.close();
