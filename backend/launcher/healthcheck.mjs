#!/usr/bin/env node
// Health probe for a running Tributary sidecar: `node healthcheck.mjs unix:/run/tributary/plugin.sock`
// (or `tcp:HOST:PORT`). It makes one real gRPC call, grpc.health.v1.Health/Check for service "plugin"
// (the name go-plugin hosts use), and exits 0 only when the answer is SERVING.
//
// Why hand-rolled on node:http2 instead of @grpc/grpc-js: the sidecar image carries only the bundled
// backend (no node_modules), and this probe runs every few seconds, so it must start fast and need
// nothing but Node. A unary gRPC call is one HTTP/2 POST with a 5-byte length prefix; the two tiny
// protobuf messages involved are encoded below by hand.
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
const SERVICE_NAME = 'plugin';
const SERVING_STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function parseAddress(text) {
  if (text?.startsWith('unix:/')) return { connect: () => net.connect(text.slice('unix:'.length)), text };
  const match = /^tcp:(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text ?? '');
  if (match) {
    const host = match[1].replace(/^\[|\]$/g, '');
    return { connect: () => net.connect(Number(match[2]), host), text };
  }
  throw new Error(`usage: healthcheck.mjs unix:/path/to.sock | tcp:HOST:PORT (got ${JSON.stringify(text)})`);
}

/** HealthCheckRequest{service = 1: string}, framed as one uncompressed gRPC message. */
function encodeRequest(service) {
  const name = Buffer.from(service, 'utf8');
  const message = Buffer.concat([Buffer.from([0x0a, name.length]), name]);
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(message.length, 1);
  return Buffer.concat([frame, message]);
}

/** HealthCheckResponse{status = 1: enum}; an absent field is UNKNOWN (0), as in proto3. */
function decodeStatus(body) {
  if (body.length < 5) return 0;
  const message = body.subarray(5, 5 + body.readUInt32BE(1));
  return message.length >= 2 && message[0] === 0x08 ? message[1] : 0;
}

function check(address, timeoutMs) {
  return new Promise((resolve, reject) => {
    const session = http2.connect('http://localhost', { createConnection: address.connect });
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no answer from ${address.text} within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (fn, value) => {
      clearTimeout(timer);
      session.close();
      fn(value);
    };
    session.on('error', (err) => finish(reject, new Error(`cannot reach ${address.text}: ${err.message}`)));
    const request = session.request({
      ':method': 'POST',
      ':path': HEALTH_CHECK_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks = [];
    let grpcStatus;
    let grpcMessage = '';
    const takeStatus = (headers) => {
      if (headers['grpc-status'] !== undefined) {
        grpcStatus = Number(headers['grpc-status']);
        grpcMessage = decodeURIComponent(String(headers['grpc-message'] ?? ''));
      }
    };
    request.on('response', takeStatus);
    request.on('trailers', takeStatus);
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('error', (err) => finish(reject, err));
    request.on('end', () => {
      if (grpcStatus !== 0) {
        finish(reject, new Error(`Health/Check failed with gRPC status ${grpcStatus}${grpcMessage ? `: ${grpcMessage}` : ''}`));
        return;
      }
      finish(resolve, decodeStatus(Buffer.concat(chunks)));
    });
    request.end(encodeRequest(SERVICE_NAME));
  });
}

/**
 * Makes one Health/Check call to `addressText` (`unix:/path` or `tcp:HOST:PORT`) and resolves with the
 * serving status name (SERVING, NOT_SERVING, ...); rejects when the server cannot be reached or the
 * call fails. Used by the compose healthcheck and by scripts/dev.mjs to know a new sidecar is up.
 */
export async function probeHealth(addressText, timeoutMs = 3000) {
  const status = await check(parseAddress(addressText), timeoutMs);
  return SERVING_STATUS_NAMES[status] ?? String(status);
}

async function main() {
  const addressText = process.argv[2];
  const timeoutMs = Number(process.env.TRIBUTARY_HEALTHCHECK_TIMEOUT_MS ?? 3000);
  const status = await probeHealth(addressText, timeoutMs);
  if (status !== 'SERVING') {
    console.error(`tributary sidecar at ${addressText} is ${status}`);
    process.exit(1);
  }
  console.log(`tributary sidecar at ${addressText} is SERVING`);
}

const runDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (runDirectly) {
  main().catch((err) => {
    console.error(`tributary healthcheck: ${err.message}`);
    process.exit(1);
  });
}
