/**
 * Reads an ImageValidatingPolicy (policies.kyverno.io v1alpha1, v1beta1, v1)
 * field by field, refusing by exact path what imgverify does not honour.
 * Its attestors become Kyverno attestor entries read by the verifyImages
 * parser (so both policy kinds check signatures with one set of rules), one
 * carrier entry per attestor type; its CEL is compiled at load.
 */
import { compileCel } from "../cel/evaluate.ts";
import { parseAttestorSet } from "../kyverno/parse-attestor.ts";
import { parseSelector } from "../kyverno/parse-match.ts";
import { registryCredentials } from "../kyverno/parse-verification.ts";
import { FieldReader, type IssueSink, isMapping } from "../kyverno/reader.ts";
import type {
  AttestorSet,
  CelAttestation,
  CelImagePolicy,
  ImageVerification,
  NamedAttestor,
  NamedProgram,
  ResourceRule,
  SourceLocation,
  VerifyImagesPolicy,
  VerifyImagesRule,
} from "../types.ts";
import { AUTOGEN_CONTROLLERS, autogenSpecs, canAutogen } from "./autogen.ts";
import { imageFunctionDeclarations } from "./functions.ts";
import { resourceFunctionDeclarations } from "./resources.ts";

export const IVPOL_API_VERSIONS: readonly string[] = [
  "policies.kyverno.io/v1alpha1",
  "policies.kyverno.io/v1beta1",
  "policies.kyverno.io/v1",
];

const SPEC_KEYS = [
  "attestations",
  "attestors",
  "auditAnnotations",
  "autogen",
  "credentials",
  "evaluation",
  "failurePolicy",
  "images",
  "matchConditions",
  "matchConstraints",
  "matchImageReferences",
  "validationActions",
  "validationConfigurations",
  "validations",
  "variables",
  "webhookConfiguration",
];

type Reader = FieldReader;

function compile(r: Reader, key: string, sink: IssueSink, imageFunctions = false) {
  const expression = r.string(key, true);
  if (expression === undefined) return undefined;
  const functions = [
    ...resourceFunctionDeclarations,
    ...(imageFunctions ? imageFunctionDeclarations : []),
  ];
  try {
    return compileCel(expression, r.at(key), { functions });
  } catch (err) {
    sink("FIELD_INVALID", r.at(key), err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

/**
 * Trust material a CEL expression gives (`{expression}` of a key or
 * certificate): a Kyverno variable in the carrier entry, which the engine
 * fills per admission with the expression's value (see `CelImagePolicy.materials`).
 */
function material(r: Reader, materials: NamedProgram[]): string | undefined {
  const program = compile(r, "expression", r.sink);
  if (program === undefined) return undefined;
  const name = `ivpol_material_${materials.length}`;
  materials.push({ name, path: r.at("expression"), program });
  return `{{ ${name} }}`;
}

function named(r: Reader, key: string, sink: IssueSink, imageFunctions: boolean): NamedProgram[] {
  return r.list(key).flatMap(({ value, path }) => {
    const e = FieldReader.of(value, path, sink, ["name", "expression"]);
    const name = e?.string("name", true);
    const program = e && compile(e, "expression", sink, imageFunctions);
    return name === undefined || program === undefined ? [] : [{ name, path, program }];
  });
}

function resourceRules(r: Reader | undefined, key: string): ResourceRule[] {
  return (r?.list(key) ?? []).flatMap(({ value, path }) => {
    const e = FieldReader.of(value, path, r?.sink ?? (() => {}), [
      "apiGroups",
      "apiVersions",
      "operations",
      "resources",
      "resourceNames",
      "scope",
    ]);
    if (e === undefined) return [];
    if (e.has("scope") && e.string("scope") !== "*") e.refuse("scope", "only scope * is supported");
    return [
      {
        apiGroups: e.stringList("apiGroups"),
        apiVersions: e.stringList("apiVersions"),
        operations: e.stringList("operations"),
        resources: e.stringList("resources"),
        resourceNames: e.stringList("resourceNames"),
      },
    ];
  });
}

/** A `{value, expression}` field: the value, or the placeholder of the expression's. */
function valueOf(
  r: Reader | undefined,
  key: string,
  materials: NamedProgram[],
): string | undefined {
  const v = r?.object(key, ["value", "expression"]);
  if (v === undefined) return undefined;
  if (v.has("value") === v.has("expression"))
    v.issue("FIELD_INVALID", undefined, "needs one of value, expression");
  return v.has("expression") ? material(v, materials) : v.string("value", true);
}

const CTLOG_KEYS = [
  "url",
  "insecureIgnoreTlog",
  "insecureIgnoreSCT",
  "ctLogPubKey",
  "rekorPubKey",
  "tsaCertChain",
];

/** The Kyverno `rekor` and `ctlog` settings an ImageValidatingPolicy's `ctlog` stands for. */
function logs(c: Reader): Record<string, unknown> {
  const l = c.object("ctlog", CTLOG_KEYS);
  if (l === undefined) return {};
  return {
    rekor: {
      ...(l.string("url") !== undefined && { url: l.string("url") }),
      ...(l.string("rekorPubKey") !== undefined && { pubkey: l.string("rekorPubKey") }),
      ignoreTlog: l.boolean("insecureIgnoreTlog", false),
    },
    ctlog: {
      ignoreSCT: l.boolean("insecureIgnoreSCT", false),
      ...(l.string("ctLogPubKey") !== undefined && { pubkey: l.string("ctLogPubKey") }),
      ...(l.string("tsaCertChain") !== undefined && { tsaCertChain: l.string("tsaCertChain") }),
    },
  };
}

/** A cosign attestor as Kyverno attestor entries: keyless identities are any-of. */
function cosignEntries(
  c: Reader,
  materials: NamedProgram[],
): { entries: object[]; count: number | undefined } {
  for (const key of ["trustedRoot", "tuf"])
    c.refuse(key, "custom trust roots are given with --trusted-root");
  const source = c.object("source", ["repository", "tagPrefix", "PullSecrets"]);
  source?.refuse("tagPrefix", "signature tag prefixes are not supported");
  source?.refuse("PullSecrets", "use spec.credentials.secrets");
  const common = logs(c);
  const extra = {
    ...(source?.string("repository") !== undefined && { repository: source.string("repository") }),
    ...(c.has("annotations") && { annotations: c.stringMap("annotations") }),
  };
  const kinds = ["key", "keyless", "certificate"].filter((k) => c.has(k));
  if (kinds.length !== 1)
    c.issue("FIELD_INVALID", undefined, "needs exactly one of key, keyless, certificate");
  const key = c.object("key", ["data", "kms", "expression", "hashAlgorithm"]);
  if (key !== undefined) {
    key.refuse("kms", "KMS keys are not supported");
    if (key.has("data") === key.has("expression"))
      key.issue("FIELD_INVALID", undefined, "needs one of data, expression");
    const data = key.has("expression") ? material(key, materials) : key.string("data", true);
    const signatureAlgorithm = key.string("hashAlgorithm");
    return {
      entries: [
        {
          keys: { publicKeys: data, ...(signatureAlgorithm && { signatureAlgorithm }), ...common },
          ...extra,
        },
      ],
      count: undefined,
    };
  }
  const keyless = c.object("keyless", ["identities", "roots", "additionalExtensions"]);
  if (keyless !== undefined) {
    const identities = keyless.list("identities").flatMap(({ value, path }) => {
      const i = FieldReader.of(value, path, keyless.sink, [
        "issuer",
        "issuerRegExp",
        "subject",
        "subjectRegExp",
        "subjectExpression",
      ]);
      i?.refuse("subjectExpression", "CEL subject expressions are not supported");
      if (i === undefined) return [];
      const fields = ["issuer", "issuerRegExp", "subject", "subjectRegExp"].flatMap((f) =>
        i.string(f) === undefined ? [] : [[f, i.string(f)]],
      );
      return [Object.fromEntries(fields)];
    });
    if (identities.length === 0)
      keyless.issue("FIELD_REQUIRED", "identities", "at least one identity is required");
    const roots = keyless.string("roots");
    const extensions = keyless.has("additionalExtensions")
      ? keyless.stringMap("additionalExtensions")
      : undefined;
    return {
      entries: identities.map((identity) => ({
        keyless: {
          ...identity,
          ...(roots && { roots }),
          ...(extensions && { additionalExtensions: extensions }),
          ...common,
        },
        ...extra,
      })),
      count: 1,
    };
  }
  const cert = c.object("certificate", ["cert", "certChain"]);
  const certificate = valueOf(cert, "cert", materials);
  const chain = cert?.has("certChain") ? valueOf(cert, "certChain", materials) : undefined;
  return {
    entries: [
      {
        certificates: {
          ...(certificate && { cert: certificate }),
          ...(chain && { certChain: chain }),
          ...common,
        },
        ...extra,
      },
    ],
    count: undefined,
  };
}

interface Built {
  readonly sets: AttestorSet[];
  readonly names: string[];
}

/** The carrier entry of one type, or undefined when no attestor is of it. */
function carrierEntry(
  type: "Cosign" | "Notary",
  built: Built,
  attestations: ReadonlyMap<string, CelAttestation>,
  pullSecrets: readonly string[],
  config: { mutateDigest: boolean; verifyDigest: boolean; failureAction: "Enforce" | "Audit" },
  index: number,
): ImageVerification | undefined {
  if (built.sets.length === 0) return undefined;
  // Cosign attestors verify in-toto attestations, Notary attestors referrers (as Kyverno's verifiers).
  const kind = type === "Cosign" ? "intoto" : "referrer";
  return {
    path: `spec.attestors (${type})`,
    type,
    imageReferences: ["*"],
    skipImageReferences: [],
    attestors: built.sets,
    attestations: [...attestations].flatMap(([name, attestation], i) =>
      attestation.kind === kind
        ? [
            {
              path: `spec.attestations[${i}]`,
              type: attestation.type,
              name,
              attestors: [],
              conditions: [],
            },
          ]
        : [],
    ),
    repository: undefined,
    mutateDigest: config.mutateDigest && index === 0,
    verifyDigest: config.verifyDigest,
    required: true,
    useCache: true,
    cosignOCI11: false,
    pullSecrets,
    failureAction: config.failureAction,
    validate: undefined,
  };
}

/** `spec.autogen.podControllers.controllers`: the controllers to generate for, all by default. */
function autogenControllers(spec: Reader): readonly string[] {
  const pods = spec
    .object("autogen", ["podControllers"])
    ?.object("podControllers", ["controllers"]);
  if (pods === undefined || !pods.has("controllers")) return AUTOGEN_CONTROLLERS;
  for (const { value, path } of pods.list("controllers")) {
    if (typeof value !== "string" || !AUTOGEN_CONTROLLERS.includes(value))
      pods.sink("FIELD_INVALID", path, `must be one of ${AUTOGEN_CONTROLLERS.join(", ")}`);
  }
  return pods.stringList("controllers");
}

/**
 * The policy's autogen variants, each parsed as the policy is; a variant
 * that does not (a rewritten expression that no longer compiles) is
 * reported at `spec.autogen`.
 */
function autogenVariants(
  doc: Record<string, unknown>,
  controllers: readonly string[],
  source: SourceLocation,
  sink: IssueSink,
): CelImagePolicy[] {
  const spec = doc.spec as Record<string, unknown>;
  if (!canAutogen(spec.matchConstraints)) return [];
  return autogenSpecs(spec, controllers).flatMap(({ resources, spec: variant }) => {
    const problems: string[] = [];
    const parsed = parseImageValidatingPolicy(
      { ...doc, spec: variant },
      source,
      (_code, path, message) => problems.push(`${path}: ${message}`),
      false,
    );
    if (parsed?.cel === undefined || problems.length > 0) {
      sink("FIELD_INVALID", "spec.autogen", `for ${resources.join(", ")}: ${problems.join("; ")}`);
      return [];
    }
    return [parsed.cel];
  });
}

export function parseImageValidatingPolicy(
  doc: Record<string, unknown>,
  source: SourceLocation,
  sink: IssueSink,
  withAutogen = true,
): VerifyImagesPolicy | undefined {
  const top = FieldReader.of(doc, "", sink, ["apiVersion", "kind", "metadata", "spec", "status"]);
  if (top === undefined) return undefined;
  const apiVersion = top.string("apiVersion", true) ?? "";
  if (!IVPOL_API_VERSIONS.includes(apiVersion)) {
    top.issue("FIELD_INVALID", "apiVersion", `must be one of ${IVPOL_API_VERSIONS.join(", ")}`);
  }
  const metadata = isMapping(doc.metadata) ? doc.metadata : {};
  const meta = FieldReader.of(metadata, "metadata", sink, Object.keys(metadata));
  const name = meta?.string("name", true);
  // A NamespacedImageValidatingPolicy applies to its own namespace's requests only.
  const namespaced = doc.kind === "NamespacedImageValidatingPolicy";
  if (!namespaced) meta?.refuse("namespace", "an ImageValidatingPolicy is not namespaced");
  const namespace = namespaced ? meta?.string("namespace", true) : undefined;
  const annotations = meta?.stringMap("annotations") ?? {};
  const spec = top.object("spec", SPEC_KEYS);
  if (!top.has("spec")) top.issue("FIELD_REQUIRED", "spec", "is required");
  if (spec === undefined || name === undefined) return undefined;
  if (namespaced && namespace === undefined) return undefined;
  spec.refuse("auditAnnotations", "audit annotations are not supported");
  const evaluation = spec.object("evaluation", ["admission", "background", "mode"]);
  // A JSON-mode policy checks JSON payloads (apply --json-payload), not admissions.
  const mode = evaluation?.oneOf("mode", ["Kubernetes", "JSON"] as const) ?? "Kubernetes";
  const jsonMode = mode === "JSON";
  const admission = evaluation?.object("admission", ["enabled"])?.boolean("enabled", true) ?? true;
  evaluation?.object("background", ["enabled"])?.boolean("enabled", true);
  const hook = spec.object("webhookConfiguration", ["timeoutSeconds"]);
  const failurePolicy = spec.oneOf("failurePolicy", ["Fail", "Ignore"] as const) ?? "Fail";
  const actions = spec
    .list("validationActions")
    .flatMap(({ value, path }): ("Deny" | "Audit" | "Warn")[] => {
      if (value === "Deny" || value === "Audit" || value === "Warn") return [value];
      sink("FIELD_INVALID", path, "must be one of Deny, Audit, Warn");
      return [];
    });
  if (actions.length === 0 && !jsonMode)
    spec.issue("FIELD_REQUIRED", "validationActions", "at least one action is required");
  // A JSON payload has no admission to deny: its failures are reported as Deny's are.
  if (actions.length === 0 && jsonMode) actions.push("Deny");
  const configuration = spec.object("validationConfigurations", [
    "mutateDigest",
    "verifyDigest",
    "required",
  ]);
  const failureAction: "Enforce" | "Audit" = actions.includes("Deny") ? "Enforce" : "Audit";
  // A JSON payload is not admitted, so nothing is patched into it.
  const mutateDigest = !jsonMode && (configuration?.boolean("mutateDigest", true) ?? true);
  const verifyDigest = configuration?.boolean("verifyDigest", true) ?? true;
  const required = configuration?.boolean("required", true) ?? true;
  const pullSecrets = registryCredentials(spec, "credentials");

  const constraints = spec.object("matchConstraints", [
    "resourceRules",
    "excludeResourceRules",
    "namespaceSelector",
    "objectSelector",
    "matchPolicy",
  ]);
  if (constraints === undefined && !jsonMode)
    spec.issue("FIELD_REQUIRED", "matchConstraints", "is required");
  if (constraints?.has("matchPolicy") && constraints.string("matchPolicy") !== "Equivalent") {
    constraints.refuse("matchPolicy", "only Equivalent is supported");
  }
  const images = spec.list("matchImageReferences").flatMap(({ value, path }) => {
    const m = FieldReader.of(value, path, sink, ["glob", "expression"]);
    if (m === undefined) return [];
    if (m.has("glob") === m.has("expression"))
      m.issue("FIELD_INVALID", undefined, "needs one of glob, expression");
    const glob = m.string("glob");
    const program = m.has("expression") ? compile(m, "expression", sink) : undefined;
    return [{ glob, program }];
  });
  if (images.length === 0)
    spec.issue("FIELD_REQUIRED", "matchImageReferences", "at least one is required");

  const materials: NamedProgram[] = [];
  const cosign: Built = { sets: [], names: [] };
  const notary: Built = { sets: [], names: [] };
  for (const { value, path } of spec.list("attestors")) {
    const a = FieldReader.of(value, path, sink, ["name", "cosign", "notary"]);
    const attestorName = a?.string("name", true);
    if (a === undefined || attestorName === undefined) continue;
    if (a.has("cosign") === a.has("notary"))
      a.issue("FIELD_INVALID", undefined, "needs one of cosign, notary");
    const c = a.object("cosign", [
      "key",
      "keyless",
      "certificate",
      "ctlog",
      "source",
      "annotations",
      "trustedRoot",
      "tuf",
    ]);
    const n = a.object("notary", ["certs", "tsaCerts"]);
    const certs = n === undefined ? undefined : valueOf(n, "certs", materials);
    const tsaCertChain = n?.has("tsaCerts") ? valueOf(n, "tsaCerts", materials) : undefined;
    // A refused or missing field is reported once, at its own path.
    if (c === undefined && certs === undefined) continue;
    const kyverno = c
      ? cosignEntries(c, materials)
      : {
          entries: [
            { certificates: { cert: certs, ...(tsaCertChain && { ctlog: { tsaCertChain } }) } },
          ],
          count: undefined,
        };
    const built = c ? cosign : notary;
    const set = parseAttestorSet(kyverno, path, sink, c ? "Cosign" : "Notary");
    if (set !== undefined) {
      built.sets.push(set);
      built.names.push(attestorName);
    }
  }
  const attestations = new Map<string, CelAttestation>();
  for (const { value, path } of spec.list("attestations")) {
    const a = FieldReader.of(value, path, sink, ["name", "intoto", "referrer"]);
    const attestationName = a?.string("name", true);
    if (a === undefined || attestationName === undefined) continue;
    if (a.has("intoto") === a.has("referrer"))
      a.issue("FIELD_INVALID", undefined, "needs one of intoto, referrer");
    const kind = a.has("intoto") ? "intoto" : "referrer";
    const type = a.object(kind, ["type"])?.string("type", true);
    if (type !== undefined) attestations.set(attestationName, { kind, type });
  }
  const config = { mutateDigest, verifyDigest, failureAction } as const;
  const entries = [
    carrierEntry("Cosign", cosign, attestations, pullSecrets, config, 0),
    carrierEntry(
      "Notary",
      notary,
      attestations,
      pullSecrets,
      config,
      cosign.sets.length > 0 ? 1 : 0,
    ),
  ].filter((e): e is ImageVerification => e !== undefined);
  const named_: NamedAttestor[] = [
    ...cosign.names.map((n, set) => ({ name: n, type: "Cosign" as const, entry: 0, set })),
    ...notary.names.map((n, set) => ({
      name: n,
      type: "Notary" as const,
      entry: cosign.sets.length > 0 ? 1 : 0,
      set,
    })),
  ];
  const validations = spec.list("validations").flatMap(({ value, path }) => {
    const v = FieldReader.of(value, path, sink, [
      "expression",
      "message",
      "messageExpression",
      "reason",
    ]);
    const program = v && compile(v, "expression", sink, true);
    const messageProgram = v?.has("messageExpression")
      ? compile(v, "messageExpression", sink, true)
      : undefined;
    if (program === undefined) return [];
    return [{ path, program, message: v?.string("message"), messageProgram }];
  });
  if (validations.length === 0)
    spec.issue("FIELD_REQUIRED", "validations", "at least one is required");
  const rule: VerifyImagesRule = {
    name: name,
    path: "spec",
    autogen: undefined,
    match: { mode: "any" as const, filters: [] },
    exclude: undefined,
    kinds: [],
    context: [],
    preconditions: undefined,
    imageExtractors: {},
    verifyImages: entries,
    failureAction,
    skipBackgroundRequests: true,
    reportProperties: {},
  };
  const variables = named(spec, "variables", sink, true);
  const readsImageData = [
    ...variables.map((v) => v.program),
    ...validations.flatMap((v) => [v.program, v.messageProgram]),
  ].some((p) => p?.expression.includes("getImageData") === true);
  const controllers = autogenControllers(spec);
  const autogen = withAutogen && !jsonMode ? autogenVariants(doc, controllers, source, sink) : [];
  const cel: CelImagePolicy = {
    autogen,
    mode,
    readsImageData,
    resourceRules: resourceRules(constraints, "resourceRules"),
    excludeResourceRules: resourceRules(constraints, "excludeResourceRules"),
    namespaceSelector: constraints && parseSelector(constraints, "namespaceSelector"),
    objectSelector: constraints && parseSelector(constraints, "objectSelector"),
    matchConditions: named(spec, "matchConditions", sink, false),
    imageGlobs: images.flatMap((i) => (i.glob === undefined ? [] : [i.glob])),
    imageExpressions: images.flatMap((i) => (i.program === undefined ? [] : [i.program])),
    imageExtractors: named(spec, "images", sink, false),
    materials,
    variables,
    attestors: named_,
    attestations,
    validations,
    validationActions: actions,
    required,
    rule,
    entries,
  };
  return {
    kind: namespaced ? "NamespacedImageValidatingPolicy" : "ImageValidatingPolicy",
    apiVersion,
    name,
    namespace,
    source,
    annotations,
    validationFailureAction: failureAction,
    failurePolicy,
    webhookTimeoutSeconds: hook?.integer("timeoutSeconds", 1, 30),
    background: false,
    admission,
    applyRules: "All",
    emitWarning: actions.includes("Warn"),
    autogenControllers: [],
    rules: [],
    ignoredRules: [],
    cel,
  };
}
