// TEST EMULATOR — not the real service. Wire-level emulator for tests; never used by src/.
//
// The AWS JSON 1.1 protocol as Secrets Manager and SSM speak it: POST / with
// `X-Amz-Target: <prefix>.<Operation>`, a JSON body, and errors as HTTP 400/500 with
// `{"__type": "<ErrorName>", "message": "..."}`. Every request must carry a valid SigV4
// signature made with the emulator's test key pair: the signature is recomputed and compared,
// so a client that signs for the wrong service, region or key is rejected as AWS would.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { HttpEmulator, type EmuRequest, type EmuResponse } from './http-emulator';

/** The only key pair the emulators accept. */
export const TEST_AWS_CREDENTIALS = {
  accessKeyId: 'AKIAEMULATOR00000001',
  secretAccessKey: 'emulator+secret/access+key0000000000000',
};
export const TEST_ACCOUNT = '123456789012';
export const TEST_PRINCIPAL = `arn:aws:iam::${TEST_ACCOUNT}:user/cvctl-test`;

/** A service error, rendered as `{"__type": type, "message": message}`. */
export class AwsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface CallContext {
  region: string;
  accessKeyId: string;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Verifies a SigV4 Authorization header; returns the signer's region and key id.
 * Throws the AwsFault AWS itself returns for each kind of bad signature.
 */
export function verifySigV4(req: EmuRequest, service: string, keys: Record<string, string>): CallContext {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string' || auth === '') {
    throw new AwsFault('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
    auth,
  );
  if (!m) throw new AwsFault('IncompleteSignatureException', 'Authorization header is not a valid SigV4 header.');
  const [, keyId, date, region, svc, signedHeaders, signature] = m as unknown as string[];
  const secret = keys[keyId!];
  if (secret === undefined) throw new AwsFault('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (svc !== service) throw new AwsFault('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`);
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!)) throw new AwsFault('IncompleteSignatureException', 'Date in Credential scope does not match X-Amz-Date.');
  const t = Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (!Number.isFinite(t) || Math.abs(Date.now() - t) > 15 * 60_000) {
    throw new AwsFault('InvalidSignatureException', 'Signature expired or not yet valid.');
  }

  const names = signedHeaders!.split(';');
  if (!names.includes('host')) throw new AwsFault('InvalidSignatureException', "'Host' must be a signed header.");
  const canonicalHeaders = names
    .map((n) => {
      const v = req.headers[n];
      const value = Array.isArray(v) ? v.join(',') : String(v ?? '');
      return `${n}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const query = [...req.url.searchParams.entries()]
    .map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(v)])
    .sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? sha256(req.body));
  const canonicalRequest = [req.method, req.url.pathname, query, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${svc}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), svc!), 'aws4_request');
  const expected = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  if (expected !== signature) {
    throw new AwsFault(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided.',
    );
  }
  return { region: region!, accessKeyId: keyId! };
}

/** An AWS JSON 1.1 service; subclasses implement the operations. */
export abstract class AwsJsonEmulator extends HttpEmulator {
  /** Regions requests were signed for, in order (to check per-region routing). */
  readonly regionsSeen: string[] = [];
  protected readonly keys: Record<string, string> = {
    [TEST_AWS_CREDENTIALS.accessKeyId]: TEST_AWS_CREDENTIALS.secretAccessKey,
  };

  constructor(
    private readonly targetPrefix: string,
    private readonly signingService: string,
    private readonly throttleType: string,
    private readonly serverErrorType: string,
  ) {
    super();
  }

  protected abstract call(op: string, input: Record<string, unknown>, ctx: CallContext): unknown;

  protected operation(req: EmuRequest): string {
    const target = String(req.headers['x-amz-target'] ?? '');
    return target.startsWith(`${this.targetPrefix}.`) ? target.slice(this.targetPrefix.length + 1) : `?${target}`;
  }

  protected handle(req: EmuRequest): EmuResponse {
    try {
      if (req.method !== 'POST' || req.url.pathname !== '/') throw new AwsFault('UnknownOperationException', 'Not found', 404);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
        throw new AwsFault('SerializationException', 'Content-Type must be application/x-amz-json-1.1');
      }
      const ctx = verifySigV4(req, this.signingService, this.keys);
      this.regionsSeen.push(ctx.region);
      const op = this.operation(req);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new AwsFault('SerializationException', 'Malformed JSON body');
      }
      return this.ok(this.call(op, input, ctx));
    } catch (e) {
      if (e instanceof AwsFault) return this.fault(e);
      throw e;
    }
  }

  protected throttled(): EmuResponse {
    return this.fault(new AwsFault(this.throttleType, 'Rate exceeded'));
  }

  protected serverError(): EmuResponse {
    return this.fault(new AwsFault(this.serverErrorType, 'An error occurred on the server side.', 500));
  }

  private ok(body: unknown): EmuResponse {
    return { status: 200, body, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() } };
  }

  private fault(f: AwsFault): EmuResponse {
    return {
      status: f.status,
      body: { __type: f.type, message: f.message },
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
    };
  }
}
