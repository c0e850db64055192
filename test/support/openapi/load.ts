import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dereference, type FileInfo, type Plugin } from '@apidevtools/json-schema-ref-parser';
import { parse as parseYaml } from 'yaml';

/** An OpenAPI 3.1 Media Type Object after dereferencing, reduced to the fields the validator reads. */
export interface MediaTypeObject {
  schema?: object;
}

export interface ResponseObject {
  description?: string;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId?: string;
  responses?: Record<string, ResponseObject>;
}

/** One operation of the client-server API with the full path template, server base path included. */
export interface SpecOperation {
  method: string;
  /** Path template such as `/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}`. */
  pathTemplate: string;
  operationId: string;
  responses: Record<string, ResponseObject>;
  /** Spec file name that defines the operation, such as `room_send.yaml`. */
  file: string;
}

interface ServerObject {
  url?: string;
  variables?: Record<string, { default?: string }>;
}

interface OpenApiDocument {
  servers?: ServerObject[];
  paths?: Record<string, Record<string, unknown>>;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * Removes `example` and `examples` keys, except where they name a property.
 * The spec composes examples from other example files with `$ref`, which JSON Schema does not
 * define, and nothing here validates examples, so dropping them saves resolving those files.
 */
function stripExamples(node: unknown, parentKey?: string): unknown {
  if (Array.isArray(node)) {
    for (const item of node) stripExamples(item);
    return node;
  }
  if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if ((key === 'example' || key === 'examples') && parentKey !== 'properties') {
        delete record[key];
        continue;
      }
      stripExamples(record[key], key);
    }
  }
  return node;
}

// js-yaml 5.5, the parser that json-schema-ref-parser 15 ships with, rejects 79 of the 121
// client-server files with "deficient indentation" in JSON-style examples, so `yaml` parses them.
const yamlParser: Plugin = {
  order: 100,
  allowEmpty: false,
  canParse: ['.yaml', '.yml', '.json'],
  parse(file: FileInfo): unknown {
    const data: unknown = file.data;
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : String(data);
    return stripExamples(parseYaml(text));
  },
};

/** Returns the base path that a file's first server entry gives, such as `/_matrix/client/v3`. */
function basePathOf(document: OpenApiDocument, file: string): string {
  const server = document.servers?.[0];
  if (!server?.url) throw new Error(`${file} has no servers[0].url, so its paths have no base path`);
  // Every file writes its server as `{protocol}://{hostname}{basePath}` with the base path in a
  // variable's default, so expanding the variables and keeping the path yields the base path.
  const expanded = server.url.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = server.variables?.[name]?.default;
    if (value === undefined) throw new Error(`${file} has no default for server variable ${name}`);
    return value;
  });
  const path = /^[a-z]+:\/\/[^/]*(\/.*)?$/i.exec(expanded)?.[1] ?? expanded;
  return path.replace(/\/+$/, '');
}

/**
 * Reads and dereferences every client-server API file under `apiDir`, including the event
 * schemas they refer to, and lists their operations.
 */
export async function loadOperations(apiDir: string): Promise<SpecOperation[]> {
  const files = readdirSync(apiDir)
    .filter((name) => name.endsWith('.yaml'))
    .sort();

  // A synthetic root that refers to every file lets one dereference pass parse each shared
  // definition once, and gives one JavaScript object per definition, which the schema cache uses.
  const root = { files: Object.fromEntries(files.map((name) => [name, { $ref: `./${name}` }])) };
  const dereferenced = (await dereference(join(apiDir, 'all-files.yaml'), root, {
    parse: { yaml: yamlParser, json: false, text: false, binary: false },
    resolve: { http: false },
    // The spec has no circular `$ref`, so the result is a tree that ajv compiles, and a new
    // cycle fails the load. Keys beside a `$ref` (`type`, `deprecated`) merge into its target.
    dereference: { circular: false },
  })) as { files: Record<string, OpenApiDocument> };

  const operations: SpecOperation[] = [];
  for (const file of files) {
    const document = dereferenced.files[file];
    if (!document) throw new Error(`${file} did not dereference to a document`);
    const basePath = basePathOf(document, file);

    for (const [rawPath, pathItem] of Object.entries(document.paths ?? {})) {
      // Two files end a path key with a space (`/events `, `/rooms/{roomId}/invite `) so that
      // a second operation for the same method and path can exist. Trimming merges them.
      const pathTemplate = basePath + rawPath.trim();
      for (const [method, value] of Object.entries(pathItem)) {
        if (!HTTP_METHODS.has(method)) continue;
        const operation = value as OperationObject;
        operations.push({
          method: method.toUpperCase(),
          pathTemplate,
          operationId: operation.operationId ?? `${method.toUpperCase()} ${pathTemplate}`,
          responses: operation.responses ?? {},
          file,
        });
      }
    }
  }
  return operations;
}
