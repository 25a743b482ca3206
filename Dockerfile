# Build stage: dev dependencies, compile TypeScript, then keep what the service runs with.
FROM node:24-slim AS build
WORKDIR /app
# onnxruntime-node's CPU binaries ship in its npm package: its install script would only fetch GPU ones.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
# The service's sources only: tests, bench and scripts are not compiled into the image.
COPY src src
COPY routes routes
# The dashboard (ui/, compiled by npm run build into dist/ui).
COPY ui ui
# Production dependencies only; onnxruntime-node's binaries for other systems and CPUs (darwin, win32 and
# the other linux architecture: 230 MB) and source maps in node_modules (about 100 MB) are never loaded.
RUN npm run build && npm prune --omit=dev \
  && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
  && for dir in node_modules/onnxruntime-node/bin/napi-v*/linux/*; do \
       [ "${dir##*/}" = "$(node -p process.arch)" ] || rm -rf "$dir"; done \
  && find node_modules -name '*.map' -type f -delete

# Runtime stage: production dependencies and the compiled service only, as a non-root user.
FROM node:24-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist/src dist/src
COPY --from=build /app/dist/routes dist/routes
COPY --from=build /app/dist/ui dist/ui
# The shipped INSECURE development powers of tau (set PTAU_FILE to a ceremony file in production).
COPY models/ptau/INSECURE-dev-pot12.ptau models/ptau/
# /data, the volume, is the only place the node user can write (with /tmp and its home from the base image).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node is PID 1 (the base image's docker-entrypoint.sh execs it): `docker stop`'s SIGTERM reaches the server.
CMD ["node", "dist/src/server.js"]
