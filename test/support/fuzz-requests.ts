/**
 * Requests for the HTTP fuzzer (test/http-fuzz.test.ts), built from the app's OpenAPI document:
 * path ids, query values and JSON bodies that fit the declared shape with one hostile part at a
 * time (so that most requests pass validation and reach handlers and the database), hostile
 * text (NUL, lone surrogates, bidi overrides, very long strings), broken percent-escapes, deep
 * nesting, prototype keys, malformed JSON, odd content types, and hostile files for uploads.
 */
import fc from "fast-check";
import { STUDENT_FIELDS, templateHeader } from "../../src/modules/students/students.fields";
import { multipartFile } from "./multipart";
import { HOSTILE_CHARACTERS, hostileString } from "./property";
import { sampleStudent } from "./students";

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  $ref?: string;
};

export interface Operation {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  body?: JsonSchema;
}

/** The operations of an OpenAPI document, with their path and query parameters and JSON body schema. */
export function operationsOf(openapi: OpenApiDocument): Operation[] {
  return Object.entries(openapi.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase() as Operation["method"],
      path,
      pathParams: (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name),
      query: (operation.parameters ?? [])
        .filter((p) => p.in === "query")
        .map((p) => ({ name: p.name, schema: p.schema })),
      body: operation.requestBody?.content["application/json"]?.schema,
    })),
  );
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; schema: JsonSchema }[];
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
      }
    >
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface FuzzRequest {
  method: Operation["method"];
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

// ---------------------------------------------------------------------------------------------
// Generated requests
// ---------------------------------------------------------------------------------------------

/** Percent-encoding of any string: a lone surrogate is sent as its 3 CESU-8 bytes, which no UTF-8 decoder accepts. */
function encode(text: string): string {
  let out = "";
  for (const character of text) {
    const c = character.charCodeAt(0);
    if (character.length === 1 && c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join("");
    } else out += encodeURIComponent(character);
  }
  return out;
}

/** Raw pieces of a URL that are already (mis)encoded: NUL, overlong NUL, broken escapes. */
const RAW_URL_PIECES = [
  "%00",
  "%C0%80",
  "%",
  "%zz",
  "%FF",
  "%ED%A0%80",
  "..%2F..%2F",
  "%2e%2e",
  "1%00",
  "%E4%B8",
];

/** Text that has broken servers before: NUL, lone surrogates, bidi overrides, injection classics; or any hostile string. */
export const hostileText = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "\u0000",
      "a\u0000b",
      "\ud800",
      "x\udfffy",
      "\u202e",
      "\ufeff",
      "' OR 1=1 --",
      "<script>alert(1)</script>",
      "../../etc/passwd",
      "{{7*7}}",
      '=HYPERLINK("http://x")',
    ),
  },
  { weight: 2, arbitrary: hostileString({ maxLength: 20 }).map((s) => s.slice(0, 20_000)) },
);

const numberText = fc.constantFrom(
  "0",
  "-1",
  "1.5",
  "1e3",
  "0x10",
  " 1",
  "9007199254740993",
  "99999999999999999999999999",
  "NaN",
  "Infinity",
  "",
);

/** A path or query value: an encoded string, or one of the raw broken pieces. */
function urlValue(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: valid.map(encode) },
    { weight: 2, arbitrary: numberText.map(encode) },
    { weight: 3, arbitrary: hostileText.map((s) => encode(s.slice(0, 300))) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_URL_PIECES) },
  );
}

const KNOWN_SEGMENTS: Record<string, string[]> = {
  system: ["students", "teachers", "finance"],
  duty: ["leader", "contact", "data"],
  name: ["sex", "ethnicity", "grade"],
  code: ["330102", "330000", "110000"],
};

/** A value no schema should accept quietly: wrong types, extremes, NUL, surrogates, long strings. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.constantFrom(
    1e308,
    -1e308,
    2 ** 53 + 2,
    -(2 ** 63),
    0.5,
    -0,
    -1,
    0,
    true,
    false,
    null,
    [],
    {},
    "",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "\udfff",
    "2026-02-30",
    "0000-00-00",
    "1e999",
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.constantFrom(...HOSTILE_CHARACTERS), { maxLength: 5 }),
);

/** A quoted CSV cell. */
const csvCell = (value: unknown) => `"${String(value ?? "").replaceAll('"', '""')}"`;
const TEMPLATE = STUDENT_FIELDS.map(templateHeader);

/** The student template with one valid pupil of the school, whose `field` cell holds `text` instead. */
export function pupilCsv(school: string, field: string, text: string): Buffer {
  const pupil: Record<string, unknown> = {
    ...sampleStudent("20160301", { sequence: 105 }),
    schoolCode: school,
  };
  const cells = STUDENT_FIELDS.map((f) => csvCell(f.key === field ? text : pupil[f.key]));
  return Buffer.from(`${TEMPLATE.join(",")}\r\n${cells.join(",")}\r\n`, "utf8");
}

/** What the generated requests refer to: ids of real records, the fixture school, the upload routes. */
export interface FuzzFixture {
  realIds: number[];
  school: string;
  uploads: ReadonlySet<string>;
  components?: Record<string, JsonSchema> | undefined;
}

/** The request generator of one operation, for a fixture. */
export function requestsFor(fixture: FuzzFixture): (operation: Operation) => fc.Arbitrary<FuzzRequest> {
  const REAL_IDS = fixture.realIds;
  const UPLOADS = fixture.uploads;
  /** Query values the schemas type loosely (flags as text, codes of the fixtures), so that valid requests do occur. */
  const KNOWN_QUERY: Record<string, string[]> = {
    wait: ["true", "false"],
    commit: ["true", "false"],
    unmasked: ["true", "false"],
    registerDuplicatesAsProblems: ["true", "false"],
    overdueOnly: ["true", "false"],
    everywhere: ["true", "false"],
    schoolCode: [fixture.school],
  };

  function queryValueArbitrary(name: string, schema: JsonSchema): fc.Arbitrary<unknown> {
    const known = KNOWN_QUERY[name];
    return known ? fc.constantFrom(...known) : validish(schema);
  }

  function pathParamArbitrary(name: string): fc.Arbitrary<string> {
    const known = KNOWN_SEGMENTS[name];
    const valid = known
      ? fc.constantFrom(...known)
      : fc.oneof(fc.constantFrom(...REAL_IDS).map(String), fc.nat({ max: 10_000 }).map(String));
    return urlValue(valid);
  }

  /** A value that fits the schema's type, when the schema is one this function knows. */
  function validish(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
    if (!schema || depth > 4) return fc.jsonValue({ maxDepth: 1 });
    if (schema.$ref) return validish(fixture.components?.[schema.$ref.split("/").pop()!], depth + 1);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const options = schema.anyOf ?? schema.oneOf;
    if (options) return fc.oneof(...options.map((o) => validish(o, depth + 1)));
    if (schema.allOf?.[0]) return validish(schema.allOf[0], depth + 1);
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    switch (type) {
      case "string":
        if (schema.format === "date")
          return fc.constantFrom("2026-02-30", "2025-09-01", "2015-03-01", "1900-01-01");
        if (schema.format === "email") return fc.constantFrom("a@example.org", "x@y");
        if (schema.pattern) {
          try {
            return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length < 200);
          } catch {
            return fc.string();
          }
        }
        return fc.oneof(
          fc.string({ maxLength: 20 }),
          hostileText.map((t) => t.slice(0, 100)),
        );
      case "integer":
        return fc.oneof(
          fc.constantFrom(...REAL_IDS),
          fc.integer({
            min: schema.minimum ?? (schema.exclusiveMinimum ?? -11) + 1,
            max: Math.min(schema.maximum ?? 10_000, 10_000),
          }),
        );
      case "number":
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      case "array":
        return fc.array(validish(schema.items, depth + 1), { maxLength: 3 });
      case "object":
        return shaped(schema, depth + 1);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  /**
   * An object of the schema's properties that fit their types (optional ones sometimes left out),
   * with at most one mutation: a property made hostile, or a key the schema does not know. One
   * mutation at a time, so that most requests pass validation and reach the handler and the database.
   */
  function shaped(schema: JsonSchema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
    const properties = Object.entries(schema.properties ?? {});
    const required = new Set(schema.required ?? []);
    const mutation = fc.oneof(
      { weight: 2, arbitrary: fc.constant(null) },
      { weight: 3, arbitrary: fc.record({ at: fc.nat(), value: hostileValue }) },
      {
        weight: 1,
        arbitrary: fc.record({
          key: fc.constantFrom(
            "extra",
            "id",
            "admin",
            "roles",
            "unitId",
            "\u0000",
            "",
            "__proto__",
            "constructor",
          ),
          value: hostileValue,
        }),
      },
    );
    return fc
      .tuple(
        fc.tuple(
          ...properties.map(([name, property]) =>
            required.has(name)
              ? validish(property, depth).map((value) => ({ value }))
              : fc.option(
                  validish(property, depth).map((value) => ({ value })),
                  { freq: 3 },
                ),
          ),
        ),
        mutation,
      )
      .map(([values, change]) => {
        const object: Record<string, unknown> = {};
        properties.forEach(([name], i) => {
          const slot = values[i];
          if (slot) object[name] = slot.value;
        });
        if (change && "at" in change && properties.length > 0)
          object[properties[change.at % properties.length]![0]] = change.value;
        // defineProperty, so that "__proto__" becomes an own key of the JSON text, as a client would send it.
        if (change && "key" in change)
          Object.defineProperty(object, change.key, {
            value: change.value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        return object;
      });
  }

  /** JSON text a hostile client sends: shaped or arbitrary JSON, deep nesting, prototype keys, broken JSON. */
  function bodyText(schema: JsonSchema | undefined): fc.Arbitrary<string> {
    const shapedJson = (schema?.properties ? shaped(schema) : validish(schema)).map(
      (v) => JSON.stringify(v) ?? "null",
    );
    return fc.oneof(
      { weight: 4, arbitrary: shapedJson },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom(100, 1_000, 10_000, 100_000), fc.constantFrom("[", '{"a":'))
          .map(([depth, open]) => `${open.repeat(depth)}1${(open === "[" ? "]" : "}").repeat(depth)}`),
      },
      {
        weight: 1,
        arbitrary: shapedJson.chain((json) =>
          fc
            .constantFrom(
              '"__proto__":{"polluted":true}',
              '"constructor":{"prototype":{"polluted":true}}',
              '"__proto__":null',
            )
            .map((key) =>
              json.startsWith("{") && json.length > 2 ? `{${key},${json.slice(1)}` : `{${key}}`,
            ),
        ),
      },
      {
        weight: 1,
        arbitrary: fc.oneof(
          shapedJson.chain((json) => fc.nat(json.length).map((cut) => json.slice(0, cut))),
          shapedJson.map((json) => json.replace(/\d+/, "1e999")),
          fc.constantFrom(
            "",
            "null",
            "{",
            '{"a":1,}',
            "\u0000",
            '"\\u0000"',
            '{"a":"\\ud800"}',
            "\ufeff{}",
            "NaN",
          ),
        ),
      },
    );
  }

  /** Files for the upload routes: arbitrary bytes, a zip header with junk, CSV text with hostile cells. */
  /**
   * Files for the upload routes: arbitrary bytes, a zip header with junk, and the student template
   * with a valid pupil whose one cell is hostile (the file is read, checked and staged, so the
   * hostile text reaches the database as an import does).
   */
  const hostileFile = fc.oneof(
    fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
    fc
      .uint8Array({ maxLength: 400 })
      .map((bytes) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(bytes)])),
    fc
      .tuple(
        fc.nat(STUDENT_FIELDS.length - 1),
        hostileText.map((t) => t.slice(0, 200)),
      )
      .map(([at, text]) => pupilCsv(fixture.school, STUDENT_FIELDS[at]!.key, text)),
  );

  /** Which part of a request is hostile: one at a time mostly, so that the others let it through. */
  type Target = "path" | "query" | "body" | "none" | "all";

  return function requestArbitrary(operation: Operation): fc.Arbitrary<FuzzRequest> {
    const route = `${operation.method} ${operation.path}`;
    const validPath = fc.tuple(
      ...operation.pathParams.map((name) =>
        (KNOWN_SEGMENTS[name]
          ? fc.constantFrom(...KNOWN_SEGMENTS[name])
          : fc.constantFrom(...REAL_IDS).map(String)
        ).map(encode),
      ),
    );
    const hostilePath = fc.tuple(...operation.pathParams.map(pathParamArbitrary));
    const queryText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    const validQuery = fc.tuple(
      ...operation.query.map(({ name, schema }) =>
        fc.option(
          queryValueArbitrary(name, schema).map((v) => `${name}=${encode(queryText(v))}`),
          { freq: 2 },
        ),
      ),
    );
    const hostileQuery = fc.tuple(
      ...operation.query.map(({ name, schema }) =>
        fc.option(urlValue(validish(schema).map(queryText)).map((v) => `${name}=${v}`)),
      ),
      fc
        .array(
          fc.tuple(
            fc.constantFrom("__proto__", "constructor", "page", "x", "%00", "a[b]"),
            urlValue(fc.string()),
          ),
          {
            maxLength: 2,
          },
        )
        .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&")),
    );
    const hasBody = operation.method !== "GET";
    const asJson = (text: string) => ({ payload: text as string | Buffer, contentType: "application/json" });
    const validBody = operation.body?.properties
      ? shaped(operation.body).map((v) => asJson(JSON.stringify(v)))
      : fc.constant(null);
    const json = bodyText(operation.body).map(asJson);
    const oddType = fc
      .tuple(
        bodyText(operation.body),
        fc.constantFrom(
          "text/plain",
          "application/json; charset=utf-16",
          "application/x-www-form-urlencoded",
          "application/xml",
        ),
      )
      .map(([text, contentType]) => ({ payload: text as string | Buffer, contentType }));
    const file = hostileFile.map((content) => {
      const { payload, headers } = multipartFile("学生.csv", content);
      return { payload: payload as string | Buffer, contentType: headers["content-type"] };
    });
    const hostileBody: fc.Arbitrary<{ payload: string | Buffer; contentType: string } | null> = !hasBody
      ? fc.constant(null)
      : UPLOADS.has(route)
        ? fc.oneof(
            { weight: 3, arbitrary: file },
            { weight: 1, arbitrary: json },
            { weight: 1, arbitrary: oddType },
          )
        : operation.body
          ? fc.oneof({ weight: 5, arbitrary: json }, { weight: 1, arbitrary: oddType })
          : fc.option(json);
    const target = fc.constantFrom<Target>("path", "query", "body", "body", "none", "all");
    return fc
      .tuple(target, validPath, hostilePath, validQuery, hostileQuery, validBody, hostileBody)
      .map(([aim, goodPath, badPath, goodQuery, badQuery, goodBody, badBody]) => {
        const values = aim === "path" || aim === "all" ? badPath : goodPath;
        let i = 0;
        const path = operation.path.replace(/\{\w+\}/g, () => values[i++]!);
        const pairs = aim === "query" || aim === "all" ? badQuery : goodQuery;
        const query = pairs.filter((p) => p !== null && p !== "").join("&");
        const sent =
          aim === "body" || aim === "all" ? badBody : (goodBody ?? (UPLOADS.has(route) ? badBody : null));
        const headers: Record<string, string> = {};
        if (sent) headers["content-type"] = sent.contentType;
        return {
          method: operation.method,
          url: query ? `${path}?${query}` : path,
          headers,
          ...(sent ? { payload: sent.payload } : {}),
        };
      });
  };
}
