// Package build, step 1 (before tsc): the wire layer generated from proto/*.proto into src/wire/generated/
// (a build-output folder: git-ignored, never edited by hand).
//
// - protocol.{js,mjs,d.ts} (and protocol-plain, the same plus plain-object conversion for the testing
//   entry): static message codecs and their types, made by protobufjs-cli
//   (`pbjs -t static-module` + `pbts`), pinned as a devDependency (1.x: the line for protobufjs 7, our
//   runtime; protobufjs-cli 2.x generates for protobufjs 8). Why static code: decoding into
//   message objects and encoding plain objects needs no reflection and no toObject/fromObject pass
//   per call, and protobufjs (already our runtime codec library) only needs its small "minimal" runtime.
//   Why not ts-proto or protobuf-es: both are protoc plugins, and protoc is a native binary that npm
//   does not bring; pbjs parses .proto files in JavaScript.
// - services.ts: each service's methods (path, message types, streaming), which grpc-js needs and
//   pbjs's own service classes do not expose. Written from the same parsed .proto files.
//
// Step 3 (after tsc, `--copy`): tsc does not emit the generated JavaScript, so it is copied into dist/
// as CommonJS and into dist/esm/ as an ES module (the exports map's "module" condition, for bundlers).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = path.join(pkg, 'proto');
const outDir = path.join(pkg, 'src', 'wire', 'generated');
const require = createRequire(import.meta.url);
const cliDir = path.dirname(require.resolve('protobufjs-cli/package.json'));
const pbjs = path.join(cliDir, 'bin', 'pbjs');
const pbts = path.join(cliDir, 'bin', 'pbts');
const protoFiles = readdirSync(protoDir).filter((f) => f.endsWith('.proto')).sort().map((f) => path.join(protoDir, f));
const HEADER = '// Generated at package build by scripts/generate-wire.mjs from proto/*.proto: do not edit.';

/** Our own protobufjs root name, so another protobufjs user in the same process keeps its own. */
const ROOT_NAME = 'grafana_backend_sdk';
/** Field names exactly as in the .proto (as Grafana's Go structs and our conversions name them). */
const commonFlags = ['-t', 'static-module', '--keep-case', '--no-verify', '--no-delimited', '--no-service', '--no-typeurl'];

function node(script, args) {
  execFileSync(process.execPath, [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** What the output depends on: the .proto files, this script and the generator's version. */
function inputsHash() {
  const hash = createHash('sha256');
  for (const file of [...protoFiles, fileURLToPath(import.meta.url), path.join(cliDir, 'package.json')]) hash.update(readFileSync(file));
  return hash.digest('hex');
}

function generate() {
  // pbts alone takes seconds, and every jest run builds the package: skip when nothing changed.
  const stamp = path.join(outDir, '.inputs-sha256');
  const hash = inputsHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  // Two variants: `protocol` (encode/decode only) is what a plugin serves and bundles; `protocol-plain`
  // adds toObject/fromObject for the testing entry's plain-object clients (twice the code, never bundled).
  // Each its own root name: their classes must not replace each other's.
  for (const [name, extra] of [['protocol', ['-r', ROOT_NAME, '--no-convert']], ['protocol-plain', ['-r', `${ROOT_NAME}_plain`]]]) {
    const withComments = path.join(outDir, `${name}.commented.js`);
    // pbts reads the JSDoc comments; the shipped code goes without them (a third of the size).
    node(pbjs, [...commonFlags, ...extra, '-w', 'commonjs', '-o', withComments, ...protoFiles]);
    node(pbts, ['--no-comments', '-o', path.join(outDir, `${name}.d.ts`), withComments]);
    rmSync(withComments);
    node(pbjs, [...commonFlags, ...extra, '--no-comments', '-w', 'commonjs', '-o', path.join(outDir, `${name}.js`), ...protoFiles]);
    // `-w es6` (ES module syntax); not `--es6` with `-w commonjs`, which emits `export` into CommonJS.
    node(pbjs, [...commonFlags, ...extra, '--no-comments', '-w', 'es6', '-o', path.join(outDir, `${name}.mjs`), ...protoFiles]);
  }
  writeFileSync(path.join(outDir, 'services.ts'), servicesModule());
  writeFileSync(stamp, hash);
  console.log(`generate-wire: ${path.relative(process.cwd(), outDir)}/{protocol,protocol-plain}.{js,mjs,d.ts}, services.ts`);
}

/** The grpc-js view of every service: method name → path, request/response type names, streaming. */
function servicesModule() {
  const root = new protobuf.Root();
  for (const file of protoFiles) protobuf.parse(readFileSync(file, 'utf8'), root, { keepCase: true });
  root.resolveAll();
  const services = {};
  const walk = (ns) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Service) {
        const name = nested.fullName.replace(/^\./, '');
        services[name] = Object.fromEntries(
          nested.methodsArray.map((m) => [
            m.name,
            {
              path: `/${name}/${m.name}`,
              requestType: m.resolvedRequestType.fullName.replace(/^\./, ''),
              responseType: m.resolvedResponseType.fullName.replace(/^\./, ''),
              requestStream: Boolean(m.requestStream),
              responseStream: Boolean(m.responseStream),
            },
          ]),
        );
      } else if (nested.nestedArray) {
        walk(nested);
      }
    }
  };
  walk(root);
  return `${HEADER}\n/** Every service of the .proto files: method name → grpc-js method shape (types by full name). */\nexport const SERVICES = ${JSON.stringify(services, null, 2)} as const;\n`;
}

function copyToDist() {
  const cjsDir = path.join(pkg, 'dist', 'wire', 'generated');
  const esmDir = path.join(pkg, 'dist', 'esm', 'wire', 'generated');
  mkdirSync(cjsDir, { recursive: true });
  mkdirSync(esmDir, { recursive: true });
  for (const name of ['protocol', 'protocol-plain']) {
    copyFileSync(path.join(outDir, `${name}.js`), path.join(cjsDir, `${name}.js`));
    copyFileSync(path.join(outDir, `${name}.d.ts`), path.join(cjsDir, `${name}.d.ts`));
    copyFileSync(path.join(outDir, `${name}.mjs`), path.join(esmDir, `${name}.js`));
  }
  console.log('generate-wire: copied the generated codecs into dist/ and dist/esm/');
}

if (process.argv.includes('--copy')) copyToDist();
else generate();
