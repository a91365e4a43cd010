import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { proto, WA_CERT_DETAILS } from '@whiskeysockets/baileys';
import { buildCertificateChain, SIMULATOR_ROOT } from '../../bridge/src/simulator/certificateChain.ts';
import { generateKeyPair, verifyCurveSignature } from '../../bridge/src/simulator/curveKeys.ts';

const WHATSAPP_ROOT = Buffer.from('142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b', 'hex');

describe('trusting the simulator', () => {
  it('signs a chain that verifies strictly: intermediate by the simulator root, leaf by the intermediate', () => {
    const server = generateKeyPair();
    const chain = proto.CertChain.decode(buildCertificateChain(server.public));
    const intermediate = chain.intermediate as proto.CertChain.INoiseCertificate;
    const leaf = chain.leaf as proto.CertChain.INoiseCertificate;
    const details = proto.CertChain.NoiseCertificate.Details.decode(intermediate.details as Uint8Array);
    const leafDetails = proto.CertChain.NoiseCertificate.Details.decode(leaf.details as Uint8Array);

    expect(details.issuerSerial).toBe(WA_CERT_DETAILS.SERIAL);
    expect(Buffer.from(leafDetails.key as Uint8Array).equals(server.public)).toBe(true);
    expect(verifyCurveSignature(SIMULATOR_ROOT.public, intermediate.details as Uint8Array, intermediate.signature as Uint8Array)).toBe(true);
    expect(verifyCurveSignature(details.key as Uint8Array, leaf.details as Uint8Array, leaf.signature as Uint8Array)).toBe(true);
    // Not WhatsApp's: a Baileys that checks signatures rejects it unless told to trust the simulator.
    expect(verifyCurveSignature(WHATSAPP_ROOT, intermediate.details as Uint8Array, intermediate.signature as Uint8Array)).toBe(false);
    const tampered = Buffer.from(leaf.details as Uint8Array);
    tampered[tampered.length - 1] ^= 1;
    expect(verifyCurveSignature(details.key as Uint8Array, tampered, leaf.signature as Uint8Array)).toBe(false);
  });

  it('the --import preload makes a fresh process\'s Baileys trust the simulator root', async () => {
    const script = "import { WA_CERT_DETAILS } from '@whiskeysockets/baileys'; console.log(WA_CERT_DETAILS.PUBLIC_KEY.toString('hex'));";
    const run = (args: string[]) => promisify(execFile)(process.execPath, [...args, '--input-type=module', '-e', script], { cwd: 'bridge' });
    const withPreload = await run(['--import', './src/simulator/trustPreload.ts']);
    expect(withPreload.stdout.trim()).toBe(SIMULATOR_ROOT.public.toString('hex'));
    const without = await run([]);
    expect(without.stdout.trim()).toBe(WHATSAPP_ROOT.toString('hex'));
  });
});
