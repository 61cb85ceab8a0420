import { beforeAll, describe, expect, inject, it } from "vitest";
import type { Repository } from "../../../src/oci/index.ts";
import { pushArtifact } from "../../support/push.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { exchanges, failure, recordingClient } from "./setup.ts";

const registries = inject("registries");

describe("listTags against registry 2.8", () => {
  const registry = registries.token;
  const harness = new HarnessClient(registry);
  const repository = "oci-it/tags";
  const repo: Repository = { registry: registry.host, repository };
  const TAGS = ["1.0", "1.1", "latest", "v2-rc.1"];

  beforeAll(async () => {
    for (const tag of TAGS) {
      await pushArtifact(harness, repository, tag, {
        layers: [
          { content: `content of ${tag}`, mediaType: "application/vnd.oci.image.layer.v1.tar" },
        ],
      });
    }
  });

  it("lists every pushed tag", async () => {
    const { client, events } = recordingClient(registry);
    expect((await client.listTags(repo)).toSorted()).toEqual(TAGS);
    const listCalls = exchanges(events).filter((line) => line.includes("/tags/list"));
    expect(listCalls.at(-1)).toBe(`GET /v2/${repository}/tags/list 200`);
  });

  it("reads one page: 2.8 ignores ?n= and sends no Link header", async () => {
    // Checked on the wire, so the test says so when a newer registry starts paginating.
    const page = await harness.fetch(
      `/v2/${repository}/tags/list?n=1`,
      {},
      `repository:${repository}:pull`,
    );
    expect(page.headers.get("link")).toBeNull();
    expect(((await page.json()) as { tags: string[] }).tags).toHaveLength(TAGS.length);
    const { client, events } = recordingClient(registry);
    await client.listTags(repo);
    expect(
      exchanges(events).filter((line) => line.endsWith(" 200") && line.includes("/tags/list")),
    ).toHaveLength(1);
  });

  it("refuses more tags than limits.maxTags", async () => {
    const { client } = recordingClient(registry, { limits: { maxTags: TAGS.length - 1 } });
    const err = await failure(client.listTags(repo));
    expect(err.code).toBe("TOO_LARGE");
    expect(err.message).toContain(`more than ${TAGS.length - 1} entries`);
  });

  it("reports an unknown repository as NOT_FOUND / NAME_UNKNOWN", async () => {
    const { client } = recordingClient(registry);
    const err = await failure(
      client.listTags({ registry: registry.host, repository: "oci-it/no-such-repo" }),
    );
    expect(err).toMatchObject({ code: "NOT_FOUND", registryCode: "NAME_UNKNOWN", status: 404 });
    expect(err.message).toMatch(
      /^listing the tags of 127\.0\.0\.1:\d+\/oci-it\/no-such-repo: not found/,
    );
  });
});
