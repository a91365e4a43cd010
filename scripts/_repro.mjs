import { MongoClient } from 'mongodb';
const c = await MongoClient.connect('mongodb://127.0.0.1:' + (process.env.P ?? 27017) + '/');
const db = c.db('repro_' + Math.random().toString(36).slice(2));
const coll = db.collection('d');
await coll.createIndex({ w: 1, st: 1, _id: -1 });
await coll.createIndex({ st: 1, n: 1 });
const N = Number(process.argv[2] ?? 20000);
for (let s = 0; s < N; s += 2000) await coll.insertMany(Array.from({ length: 2000 }, (_, k) => ({ _id: `dlv_${String(s + k).padStart(10, '0')}`, w: 'w1', st: 'pending', n: new Date() })));
const check = async (label) => {
  for (const h of ['w_1_st_1__id_-1', 'st_1_n_1']) {
    try { await coll.countDocuments({}, { hint: h }); console.log(label, h, 'ok'); } catch (e) { console.log(label, h, 'ERR', e.message); }
  }
};
await check('after insert');
// update in parallel batches like the delivery worker does
let i = 0;
await Promise.all(Array.from({ length: 10 }, async () => { while (i < N) { const id = `dlv_${String(i++).padStart(10, '0')}`; await coll.updateOne({ _id: id }, { $set: { st: 'succeeded', n: null } }); } }));
await check('after updates');
const { execFileSync } = await import('node:child_process');
execFileSync('bash', ['scripts/docdb/server.sh', 'psql', String(process.env.P ?? 27017), '-qc', 'VACUUM'], { env: { ...process.env, DOCDB_DATA: process.env.D ?? '' } });
await check('after vacuum');
await db.dropDatabase(); await c.close();
