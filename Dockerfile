# imgverify webhook image: one `bun build --compile` executable (WASM SHA-256
# core and Sigstore trusted root embedded) on a distroless glibc base.
# Build: docker build -t imgverify .
# No HEALTHCHECK: Kubernetes probes /healthz and /readyz.

FROM oven/bun:1.4.5 AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN bun install --ignore-scripts
COPY . .
RUN bun scripts/compile.ts

# The executable links only glibc (libc, libpthread, libdl, libm): cc-debian12 has them.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/dist/imgverify /imgverify
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/imgverify"]
CMD ["serve"]
