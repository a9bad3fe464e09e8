// A client that uploads one large file over a real socket without holding it: the body is one
// reused 64 KiB chunk written again and again, with backpressure, and it stops as soon as the
// server answers or closes. It reports how far it got, so a test can tell "refused at once" from
// "refused after reading everything".
import { request } from 'node:http';

export interface UploadOutcome {
  status: number;
  body: string;
  /** Body bytes the client had written when the response arrived. */
  sentAtResponse: number;
  /** Body bytes written in all. */
  sent: number;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x5a);
const BOUNDARY = 'heimdall-upload-limit';

/**
 * POSTs `bytes` of file data as one multipart file part named `fileName`, declaring
 * `declaredLength` as Content-Length when given, else chunked.
 */
export function uploadStream(o: {
  url: string;
  token: string;
  fileName: string;
  bytes: number;
  declaredLength?: number;
}): Promise<UploadOutcome> {
  const head = Buffer.from(
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="files"; filename="${o.fileName}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let sentAtResponse = -1;
    let answered = false;
    let status = 0;
    let body = '';
    let done = false;
    const finish = () => {
      if (!done && answered) {
        done = true;
        resolve({ status, body, sentAtResponse, sent });
      }
    };
    const req = request(o.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${o.token}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        ...(o.declaredLength !== undefined ? { 'content-length': String(o.declaredLength) } : { 'transfer-encoding': 'chunked' }),
      },
    });
    req.on('response', (res) => {
      answered = true;
      sentAtResponse = sent;
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', finish);
      res.on('close', finish);
    });
    // After the answer, the server closing the connection mid-upload is expected (EPIPE, ECONNRESET).
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.on('close', () => {
      if (!answered) reject(new Error(`connection closed after ${sent} bytes, no response`));
    });
    const pump = () => {
      if (sent === 0) req.write(head);
      while (!answered && !req.destroyed && sent < o.bytes) {
        const n = Math.min(CHUNK.byteLength, o.bytes - sent);
        sent += n;
        if (!req.write(n === CHUNK.byteLength ? CHUNK : CHUNK.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered && !req.destroyed) req.end(tail);
    };
    pump();
  });
}

/** The largest growth of heapUsed + arrayBuffers above the level at the start, sampled every 2 ms while `work` runs. */
export async function peakMemoryGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const level = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const start = level();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, level());
  }, 2);
  try {
    const result = await work();
    peak = Math.max(peak, level());
    return { result, growth: peak - start };
  } finally {
    clearInterval(timer);
  }
}
