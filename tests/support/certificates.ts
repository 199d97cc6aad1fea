/**
 * Test TLS material made by openssl in a temporary directory: a CA, a server certificate for the given
 * names signed by it, a client certificate, and an unrelated CA (EC P-256: fast). Used by the web source
 * tests and by the Mosquitto helper (its broker TLS files).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TlsTestMaterial {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
}

export function makeTlsTestMaterial(serverNames = ['IP:127.0.0.1', 'DNS:localhost']): TlsTestMaterial {
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-tls-'));
  try {
    const file = (name: string) => path.join(dir, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const newKey = (name: string) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name));
    const newCa = (name: string, cn: string) => {
      newKey(`${name}.key`);
      openssl('req', '-x509', '-new', '-key', file(`${name}.key`), '-sha256', '-days', '2', '-subj', `/CN=${cn}`, '-out', file(`${name}.crt`));
    };
    const signed = (name: string, cn: string, extensions: string) => {
      newKey(`${name}.key`);
      openssl('req', '-new', '-key', file(`${name}.key`), '-subj', `/CN=${cn}`, '-out', file(`${name}.csr`));
      writeFileSync(file(`${name}.ext`), extensions);
      openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
        '-days', '2', '-sha256', '-extfile', file(`${name}.ext`), '-out', file(`${name}.crt`));
    };
    newCa('ca', 'Tributary Test CA');
    newCa('other-ca', 'Some Other CA');
    signed('server', 'localhost', `subjectAltName=${serverNames.join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    signed('client', 'tributary-test-client', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
    const read = (name: string) => readFileSync(file(name), 'utf8');
    return {
      ca: read('ca.crt'),
      serverCert: read('server.crt'),
      serverKey: read('server.key'),
      clientCert: read('client.crt'),
      clientKey: read('client.key'),
      otherCa: read('other-ca.crt'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
