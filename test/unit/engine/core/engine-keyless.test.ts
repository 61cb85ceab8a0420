import { describe, expect, it } from "vitest";
import {
  COSIGN_ATTESTATION_TYPE,
  COSIGN_IDENTITY,
  COSIGN_SUBJECT,
  cosignBundle,
  cosignTrust,
  pushCosignSubject,
  pushReferrer,
  REPO,
  verifierTestsRun,
} from "../fixtures.ts";
import { admission, evaluate, HOST, policies, world } from "./world.ts";

/** cosign's real keyless DSSE attestation, stored as a Sigstore bundle referrer, through a policy. */
describe.runIf(verifierTestsRun)("evaluateAdmission: a keyless Sigstore bundle attestation", () => {
  const entry = (subject: string, foo: string) => ({
    type: "SigstoreBundle",
    imageReferences: [`${HOST}/*`],
    attestations: [
      {
        type: COSIGN_ATTESTATION_TYPE,
        attestors: [
          {
            entries: [
              {
                keyless: {
                  subject,
                  issuer: COSIGN_IDENTITY.issuer,
                  rekor: { url: "https://rekor.sigstore.dev" },
                },
              },
            ],
          },
        ],
        conditions: [
          { all: [{ key: "{{ Data }}", operator: "Equals", value: `{"foo": "${foo}"}\n` }] },
        ],
      },
    ],
  });

  async function run(subject: string, foo: string) {
    const w = world({ referrersApi: true }, cosignTrust());
    pushCosignSubject(w.registry);
    pushReferrer(w.registry, COSIGN_SUBJECT, cosignBundle());
    const request = admission([{ name: "c", image: `${HOST}/${REPO}:v1` }]);
    return evaluate(w, request, policies({ entries: [entry(subject, foo)] }));
  }

  it("admits the image when the identity and the predicate's conditions match", async () => {
    const result = await run(COSIGN_IDENTITY.subject, "bar");
    expect(result.results[0]).toMatchObject({ status: "pass", digest: COSIGN_SUBJECT });
    expect(result.allowed).toBe(true);
  });

  it("denies it for another identity or a predicate that does not meet the conditions", async () => {
    const stranger = await run("someone@example.test", "bar");
    expect(stranger.results[0]?.status).toBe("fail");
    expect(stranger.allowed).toBe(false);
    const condition = await run(COSIGN_IDENTITY.subject, "baz");
    expect(condition.results[0]?.status).toBe("fail");
    expect(condition.results[0]?.message).toContain("attestation checks failed");
  });
});
