/**
 * The AWS query protocol (EC2, ELBv2, STS): form-encoded requests, XML responses.
 *
 * Requests: `Action=X&Version=…&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1` (EC2 lists are
 * `Name.N`), `Subnets.member.1=…` (ELBv2 lists are `Name.member.N`). Both decode into nested
 * plain objects with arrays: { Filter: [{ Name, Value: ['vpc-1'] }] }.
 *
 * Responses: EC2 wraps list items in <item> and answers errors as <Response><Errors>…;
 * ELBv2 and STS wrap list items in <member>, results in <XResult>, errors in <ErrorResponse>.
 */
import { createRequire } from 'node:module';
import { requestId } from '../ids.js';

// require(): its CommonJS build is one bundled file; the ESM build `import` picks is dozens of
// modules (measured: import 0.18 s, require 0.01 s, Node 20.20)
const { XMLBuilder } = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');

export type QueryValue = string | QueryObject | QueryValue[];
export interface QueryObject {
  [key: string]: QueryValue;
}

/** Decodes a form body into nested objects; numeric path segments become array positions. */
export function parseQueryParams(body: string): QueryObject {
  const root: QueryObject = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split('.').filter((p) => p !== 'member' && p !== 'entry');
    let node: QueryObject | QueryValue[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]!);
      const slot = /^\d+$/.test(part) ? Number(part) - 1 : part;
      const container = node as Record<string | number, QueryValue>;
      if (last) {
        container[slot] = value;
      } else {
        container[slot] ??= nextIsIndex ? [] : {};
        node = container[slot] as QueryObject | QueryValue[];
      }
    }
  }
  return compactArrays(root) as QueryObject;
}

// `Name.3` without `Name.2` leaves holes; AWS ignores the numbering beyond order.
function compactArrays(v: QueryValue): QueryValue {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compactArrays);
  if (typeof v === 'object') {
    for (const k of Object.keys(v)) v[k] = compactArrays(v[k]!);
  }
  return v;
}

/** Reads a list parameter whether absent, a single value or an array. */
export function list<T = QueryValue>(v: QueryValue | undefined): T[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

export function str(v: QueryValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function int(v: QueryValue | undefined): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function bool(v: QueryValue | undefined): boolean | undefined {
  if (typeof v !== 'string') return undefined;
  return v.toLowerCase() === 'true';
}

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: false, processEntities: true });

type Xmlable = unknown;

/** Converts arrays to the protocol's list wrapper and dates/booleans/numbers to text. */
function shape(v: Xmlable, itemName: 'item' | 'member'): unknown {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.length === 0 ? '' : { [itemName]: v.map((x) => shape(x, itemName)) };
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const s = shape(x, itemName);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return String(v);
}

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const ELB_NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export type QueryFlavor = 'ec2' | 'elbv2' | 'sts';

export function xmlResponse(flavor: QueryFlavor, action: string, result: Record<string, unknown>): string {
  const rid = requestId();
  if (flavor === 'ec2') {
    const body = { '@_xmlns': EC2_NS, requestId: rid, ...(shape(result, 'item') as object) };
    return builder.build({ [`${action}Response`]: body });
  }
  const ns = flavor === 'sts' ? STS_NS : ELB_NS;
  return builder.build({
    [`${action}Response`]: {
      '@_xmlns': ns,
      [`${action}Result`]: shape(result, 'member') ?? '',
      ResponseMetadata: { RequestId: rid },
    },
  });
}

export function xmlError(flavor: QueryFlavor, code: string, message: string): string {
  const rid = requestId();
  if (flavor === 'ec2') {
    return builder.build({ Response: { Errors: { Error: { Code: code, Message: message } }, RequestID: rid } });
  }
  const ns = flavor === 'sts' ? STS_NS : ELB_NS;
  return builder.build({
    ErrorResponse: { '@_xmlns': ns, Error: { Type: 'Sender', Code: code, Message: message }, RequestId: rid },
  });
}
