# syntax=docker/dockerfile:1
#
# Builds the whole plugin (frontend + backend + launchers) inside Docker, so `docker compose up --build`
# needs no Node on the host, and produces ONE runtime image used by three compose services:
#   - `plugin-files` copies /opt/tributary/dist into the named volume Grafana loads the plugin from;
#   - `backend` runs the Node sidecar on the unix socket /run/tributary/plugin.sock;
#   - `publisher` runs the demo publisher (demo/publisher.js): MQTT to the `mosquitto` service, and the web demo (WebSocket, SSE, polled JSON) on port 8080.
# Grafana itself stays the stock grafana/grafana image (see docker-compose.yaml for why).

# The same Node LTS as inside the plugin executables (backend/launcher/node-runtime.json; a test keeps them equal).
ARG NODE_VERSION=24.22.3

# ---- build: npm ci + npm run build ------------------------------------------------------------------
# Debian-based (glibc) so native dev dependencies (esbuild, swc, ...) come as prebuilt binaries.
# --ignore-scripts: nothing the build uses needs an install script (esbuild and swc find their
# platform binary packages at run time), and skipping them avoids needing python/make in a slim image.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
# The workspace package's manifest too: npm ci links packages/sdk into node_modules.
COPY package.json package-lock.json ./
COPY packages/sdk/package.json packages/sdk/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
# Stock grafana/grafana images are Alpine (musl): they cannot start the glibc Node inside the
# self-contained executables (docs/install.md). Compose always reaches the sidecar, so the plugin it
# mounts keeps the POSIX launcher as dist/gpx_tributary_linux_*, which runs under busybox sh.
ARG TRIBUTARY_PLUGIN_EXECUTABLES=launcher
RUN npm run build \
 && test -f dist/plugin.json \
 && test -f dist/module.js \
 && test -f dist/backend/main.js \
 && test -x dist/gpx_tributary_linux_amd64 \
 && test -x dist/gpx_tributary_linux_arm64
# The docker compose demo publisher (service `publisher`): not part of the plugin, so outside dist/.
RUN node scripts/build-demo.mjs --outfile demo/publisher.js \
 && test -f demo/publisher.js

# ---- runtime: the sidecar (and the source of the plugin files) --------------------------------------
# dist/backend/main.js is a single esbuild bundle: no node_modules needed at run time.
FROM node:${NODE_VERSION}-alpine AS runtime
WORKDIR /opt/tributary
COPY --from=build /src/dist ./dist
COPY --from=build /src/demo ./demo
# Run as Grafana's own uid/gid (472:0, the grafana/grafana image's user). Then the socket the sidecar
# creates is owned by the very user Grafana's launcher connects as, whatever the socket's mode: no
# chmod/chgrp race, no reliance on other users' permission bits. /run/tributary is created here owned
# by 472:0 so that, should Docker seed the named volume from the image (it copies the mount point's
# content and ownership into an empty volume), the volume starts writable for us too; the compose
# `plugin-files` service also chowns it explicitly, which does not depend on that seeding.
RUN mkdir -p /run/tributary \
 && chown 472:0 /run/tributary \
 && chmod 0770 /run/tributary
USER 472:0
ENV NODE_ENV=production
CMD ["node", "--initial-heap-size=64", "dist/backend/main.js", "--listen", "unix:/run/tributary/plugin.sock"]
