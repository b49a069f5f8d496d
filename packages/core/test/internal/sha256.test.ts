import { describe, expect, it } from 'vitest'
import { hmacSha256, sha256, toHex, utf8 } from '../../src/internal/sha256.js'

const hex = (text: string) => toHex(sha256(utf8(text)))

describe('sha256', () => {
  it('should match the FIPS 180-4 test vectors', () => {
    expect(hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
    expect(hex('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    )
  })

  it('should hash text as UTF-8, astral characters included', () => {
    expect(toHex(utf8('é😀'))).toBe('c3a9f09f9880')
  })
})

describe('hmacSha256', () => {
  it('should match the RFC 4231 test vectors', () => {
    const key1 = new Uint8Array(20).fill(0x0b)
    expect(toHex(hmacSha256(key1, utf8('Hi There')))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    )
    expect(toHex(hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
    // A key longer than the block is hashed first (RFC 4231 case 6).
    expect(
      toHex(
        hmacSha256(
          new Uint8Array(131).fill(0xaa),
          utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
        ),
      ),
    ).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54')
  })
})
