// Borsh encoding and decoding of the few types the explorer checks itself (headers, votes and the
// ledger objects it shows), so that it hashes bytes it built, not bytes the node handed it.

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Lower-case hex of bytes. */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Bytes of a hex string; throws on anything that is not even-length hex. */
export function fromHex(hex) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new Error(`not hex: ${String(hex).slice(0, 20)}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** Concatenates byte arrays. */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Appends borsh values to a growing byte list. */
export class Writer {
  constructor() { this.parts = []; }
  bytes(b) { this.parts.push(b); return this; }
  u8(n) { return this.bytes(Uint8Array.of(n)); }
  u32(n) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, Number(n), true);
    return this.bytes(b);
  }
  u64(n) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
    return this.bytes(b);
  }
  string(s) { const b = enc.encode(s); return this.u32(b.length).bytes(b); }
  /** A 32-byte hash, key or id given as hex. */
  hash(hex) {
    const b = fromHex(hex);
    if (b.length !== 32) throw new Error(`expected 32 bytes, got ${b.length}`);
    return this.bytes(b);
  }
  done() { return concat(...this.parts); }
}

/** Reads borsh values from bytes; every read checks bounds. */
export class Reader {
  constructor(bytes) { this.b = bytes; this.o = 0; this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength); }
  take(n) {
    if (this.o + n > this.b.length) throw new Error('borsh: unexpected end of bytes');
    const s = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return s;
  }
  u8() { return this.take(1)[0]; }
  u16() { const n = this.v.getUint16(this.o, true); this.take(2); return n; }
  u32() { this.take(4); return this.v.getUint32(this.o - 4, true); }
  /** A u64 as a Number when exact, else as a decimal string (what serde_json prints is a number). */
  u64() { this.take(8); const n = this.v.getBigUint64(this.o - 8, true); return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString(); }
  bool() { const b = this.u8(); if (b > 1) throw new Error('borsh: bad bool'); return b === 1; }
  string() { return dec.decode(this.take(this.u32())); }
  hash() { return toHex(this.take(32)); }
  option(f) { const t = this.u8(); if (t === 0) return null; if (t === 1) return f(); throw new Error('borsh: bad option tag'); }
  vec(f) { const n = this.u32(); const out = []; for (let i = 0; i < n; i++) out.push(f()); return out; }
  enumOf(names) { const i = this.u8(); if (i >= names.length) throw new Error('borsh: bad enum tag'); return names[i]; }
  end() { if (this.o !== this.b.length) throw new Error('borsh: trailing bytes'); }
}
