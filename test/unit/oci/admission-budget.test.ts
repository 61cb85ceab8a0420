import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseReference } from "../../../src/oci/index.ts";
import { SingleFlight } from "../../../src/store/single-flight.ts";
import { rejectionOf } from "../../support/errors.ts";
import { HOST, harness, ORIGIN } from "./setup.ts";

const repo = parseReference(`${HOST}/team/app:v1`);

describe("one byte budget per admission", () => {
  it("fails the fetch that passes limits.admissionBytes, and a new admission starts afresh", async () => {
    const { registry, makeClient } = harness();
    const blobs = ["a", "b", "c"].map((c) => registry.pushBlob("team/app", c.repeat(400)));
    const client = makeClient({ limits: { admissionBytes: 1000 } });
    const admission = client.withStore(new SingleFlight<string, unknown>());
    await admission.getBlob(repo, blobs[0]!);
    await admission.getBlob(repo, blobs[1]!);
    const err = await rejectionOf(admission.getBlob(repo, blobs[2]!));
    expect(err.code).toBe("BUDGET_EXCEEDED");
    expect(err.message).toMatch(/1000 bytes/);
    const next = client.withStore(new SingleFlight<string, unknown>());
    expect(await next.getBlob(repo, blobs[2]!)).toHaveLength(400);
  });

  it("refuses limits.admissionBytes that is not a whole number", () => {
    const { makeClient } = harness();
    expect(() => makeClient({ limits: { admissionBytes: -1 } })).toThrow(/admissionBytes/);
  });
});

describe("compressed responses", () => {
  it("asks for identity and refuses a gzip body with ENCODING_REFUSED", async () => {
    const { net, makeClient } = harness();
    const seen: (string | null)[] = [];
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    net.route(ORIGIN, (req) => {
      seen.push(req.headers.get("accept-encoding"));
      return new Response(bomb, {
        headers: {
          "content-encoding": "gzip",
          "content-type": "application/vnd.oci.image.manifest.v1+json",
        },
      });
    });
    const err = await rejectionOf(makeClient().getManifest(repo));
    expect(err.code).toBe("ENCODING_REFUSED");
    expect(err.message).toMatch(/gzip/);
    expect(seen).toEqual(["identity"]);
  });
});
