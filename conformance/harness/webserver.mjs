// The loopback servers of the web-source conformance cases (started by webserver.go): one node:http
// server with a WebSocket endpoint (/feed, the repository's `ws` package), an event stream (/events)
// and a JSON endpoint (/rows, every row so far). It prints `port <n>` once listening, then reads one
// JSON payload per stdin line and sends it to every WebSocket and event-stream client and adds it to
// the rows. Node serves these because Go's standard library has no WebSocket server.
import http from 'node:http';
import readline from 'node:readline';
import { WebSocketServer } from 'ws';

const events = new Set();
const rows = [];
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/events')) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    events.add(res);
    res.on('close', () => events.delete(res));
  } else if (req.url.startsWith('/rows')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"rows":[${rows.join(',')}]}`);
  } else {
    res.writeHead(404).end();
  }
});
const wss = new WebSocketServer({ server, path: '/feed' });
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const payload = line.trim();
  if (payload === '') return;
  for (const client of wss.clients) client.send(payload);
  for (const res of events) res.write(`data: ${payload}\n\n`);
  rows.push(payload);
});
process.stdin.on('end', () => process.exit(0));
