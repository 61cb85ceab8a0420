import { describe, expect, it } from "vitest";
import { digestProblem, isDigest, parseReference } from "../../../src/oci/index.ts";
import { rejectionOf, thrownCode } from "../../support/errors.ts";
import { HOST, harness, ORIGIN } from "./setup.ts";

const HEX = "a".repeat(64);

describe("digest algorithms are looked up as own names only", () => {
  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])(
    "%s:… is an unsupported algorithm, not a crash or a pass",
    (name) => {
      expect(digestProblem(`${name}:${HEX}`)).toMatch(/not supported/);
      expect(isDigest(`${name}:${HEX}`)).toBe(false);
      expect(thrownCode(() => parseReference(`example.com/a@${name}:${HEX}`))).toBe(
        "REFERENCE_INVALID",
      );
    },
  );
});

describe("registry error codes are looked up as own names only", () => {
  it.each(["constructor", "__proto__", "toString"])(
    "a %s error code maps by status",
    async (name) => {
      const { net, client } = harness();
      net.route(ORIGIN, () =>
        Response.json({ errors: [{ code: name, message: "x" }] }, { status: 404 }),
      );
      const err = await rejectionOf(client.getManifest(parseReference(`${HOST}/a:v1`)));
      expect(err.code).toBe("NOT_FOUND");
      expect(typeof err.code).toBe("string");
    },
  );
});

describe("the HTTP status outranks the error code the body claims", () => {
  it.each([
    [401, "MANIFEST_UNKNOWN", "UNAUTHORIZED"],
    [401, "TOOMANYREQUESTS", "UNAUTHORIZED"],
    [404, "DENIED", "NOT_FOUND"],
    [503, "TOOMANYREQUESTS", "RATE_LIMITED"],
  ])("HTTP %i calling itself %s is %s", async (status, claimed, expected) => {
    const { net, client } = harness({}, { limits: { maxAttempts: 1 } });
    net.route(ORIGIN, () => Response.json({ errors: [{ code: claimed }] }, { status }));
    const err = await rejectionOf(client.getManifest(parseReference(`${HOST}/a:v1`)));
    expect(err.code).toBe(expected);
  });
});
