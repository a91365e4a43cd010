import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferJSON, Curve, initAuthCreds, proto, signedKeyPair } from '@whiskeysockets/baileys';
import { loadConfig } from '../../../bridge/src/config.ts';
import { createAppState, type AppState } from '../../../bridge/src/appState.ts';
import { mongoAuthStateStore, type AuthStateStore } from '../../../bridge/src/sessions/authStateStore.ts';
import { testEnv, uniqueName } from '../../support/stack.ts';

describe('auth state in MongoDB', () => {
  let state: AppState;
  let store: AuthStateStore;

  beforeAll(async () => {
    state = await createAppState(loadConfig(testEnv()), { dbName: uniqueName('authstate') });
    store = mongoAuthStateStore(state.models, state.secrets);
  });
  afterAll(async () => {
    await state.mongo.dropDatabase().catch(() => undefined);
    await state.close();
  });

  it('round-trips real Baileys creds and signal keys, Buffers included', async () => {
    const first = await store.load('ses_roundtrip');
    const creds = first.state.creds;
    creds.me = { id: '15550001111:3@s.whatsapp.net', name: 'Ada' };
    creds.registered = true;
    await first.saveCreds();

    const preKey = Curve.generateKeyPair();
    const signed = signedKeyPair(creds.signedIdentityKey, 7);
    const sessionRecord = randomBytes(300);
    const senderKey = new Uint8Array(randomBytes(120));
    const appStateKey = proto.Message.AppStateSyncKeyData.fromObject({
      keyData: randomBytes(32),
      fingerprint: { rawId: 42, currentIndex: 3, deviceIndexes: [0, 1] },
      timestamp: 1_700_000_000,
    });
    await first.state.keys.set({
      'pre-key': { '1': preKey, '2': signed.keyPair },
      session: { '15550002222.0': sessionRecord },
      'sender-key': { 'group@g.us::15550002222::0': senderKey },
      'app-state-sync-key': { AAAAAGAq: appStateKey },
      'app-state-sync-version': { regular_high: { version: 12, hash: Buffer.alloc(128, 7), indexValueMap: { abc: { valueMac: new Uint8Array([1, 2, 3]) } } } },
      'sender-key-memory': { 'group@g.us': { '15550002222@s.whatsapp.net': true } },
    });

    const again = await store.load('ses_roundtrip');
    // The exact BufferJSON form Baileys' multi-file store would have written.
    expect(JSON.stringify(again.state.creds, BufferJSON.replacer)).toBe(JSON.stringify(creds, BufferJSON.replacer));
    expect(Buffer.isBuffer(again.state.creds.noiseKey.private)).toBe(true);

    const preKeys = await again.state.keys.get('pre-key', ['1', '2', '3']);
    expect(Buffer.from(preKeys['1'].private).equals(Buffer.from(preKey.private))).toBe(true);
    expect(Buffer.from(preKeys['2'].public).equals(Buffer.from(signed.keyPair.public))).toBe(true);
    expect(preKeys['3']).toBeUndefined();
    const sessions = await again.state.keys.get('session', ['15550002222.0']);
    expect(Buffer.from(sessions['15550002222.0']).equals(sessionRecord)).toBe(true);
    const senderKeys = await again.state.keys.get('sender-key', ['group@g.us::15550002222::0']);
    expect(Buffer.from(senderKeys['group@g.us::15550002222::0']).equals(Buffer.from(senderKey))).toBe(true);
    const appKeys = await again.state.keys.get('app-state-sync-key', ['AAAAAGAq']);
    expect(appKeys.AAAAAGAq).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(appKeys.AAAAAGAq.keyData!).equals(Buffer.from(appStateKey.keyData!))).toBe(true);
    expect(appKeys.AAAAAGAq.fingerprint?.rawId).toBe(42);
    const versions = await again.state.keys.get('app-state-sync-version', ['regular_high']);
    expect(versions.regular_high.version).toBe(12);
    expect(Buffer.from(versions.regular_high.hash).equals(Buffer.alloc(128, 7))).toBe(true);
    expect(await store.isRegistered('ses_roundtrip')).toBe(true);

    // One document per (session, type, id); setting null deletes it.
    expect(await state.models.AuthState.countDocuments({ sessionId: 'ses_roundtrip' })).toBe(8);
    await again.state.keys.set({ 'pre-key': { '1': null }, session: { '15550002222.0': null } });
    expect(await again.state.keys.get('pre-key', ['1'])).toEqual({});
    expect(await state.models.AuthState.countDocuments({ sessionId: 'ses_roundtrip' })).toBe(6);
  });

  it('starts a new session from fresh creds', async () => {
    const fresh = await store.load('ses_fresh');
    expect(fresh.state.creds.registered).toBe(false);
    expect(fresh.state.creds.noiseKey.public).toHaveLength(32);
    expect(Object.keys(fresh.state.creds).sort()).toEqual(Object.keys(initAuthCreds()).sort());
    expect(await store.isRegistered('ses_fresh')).toBe(false);
  });

  it('stores only ciphertext, and detects tampering and values moved between records', async () => {
    const auth = await store.load('ses_secret');
    const secret = Buffer.from('very-private-session-record');
    await auth.state.keys.set({ session: { a: secret, b: Buffer.from('other') } });
    await auth.saveCreds();
    const docs = await state.models.AuthState.find({ sessionId: 'ses_secret' }).lean();
    const raw = JSON.stringify(docs);
    expect(raw).not.toContain(secret.toString('base64'));
    expect(raw).not.toContain(Buffer.from(auth.state.creds.noiseKey.private).toString('base64'));
    for (const doc of docs) expect(doc.value).toMatch(/^v1:/);

    // Flip one byte of the ciphertext.
    const a = docs.find((d) => d.keyId === 'a')!;
    const bytes = Buffer.from(a.value.slice(3), 'base64');
    bytes[bytes.length - 1] ^= 1;
    await state.models.AuthState.updateOne({ _id: a._id }, { $set: { value: `v1:${bytes.toString('base64')}` } });
    await expect(auth.state.keys.get('session', ['a'])).rejects.toThrow(/failed authentication/);

    // A valid value copied onto another key id does not open there.
    const b = docs.find((d) => d.keyId === 'b')!;
    await state.models.AuthState.updateOne({ _id: a._id }, { $set: { value: b.value } });
    await expect(auth.state.keys.get('session', ['a'])).rejects.toThrow(/failed authentication/);
  });

  it('runs the write guard before writing, and wipe removes everything of one session only', async () => {
    let allowed = true;
    const guarded = await store.load('ses_guard', async () => {
      if (!allowed) throw new Error('not the owner');
    });
    await guarded.state.keys.set({ 'pre-key': { '1': Curve.generateKeyPair() } });
    allowed = false;
    await expect(guarded.state.keys.set({ 'pre-key': { '2': Curve.generateKeyPair() } })).rejects.toThrow('not the owner');
    await expect(guarded.saveCreds()).rejects.toThrow('not the owner');
    expect(await state.models.AuthState.countDocuments({ sessionId: 'ses_guard' })).toBe(1);

    await store.wipe('ses_guard');
    expect(await state.models.AuthState.countDocuments({ sessionId: 'ses_guard' })).toBe(0);
    expect(await state.models.AuthState.countDocuments({ sessionId: 'ses_roundtrip' })).toBeGreaterThan(0);
  });
});
