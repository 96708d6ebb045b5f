using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Traktor.Ecs.Net.Transport.Security.Sodium;
using NSecAead = NSec.Cryptography.AeadAlgorithm;
using NSecKey = NSec.Cryptography.Key;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// One packet's AEAD work (seal, then open and verify) for the candidate implementations: .NET's classes, NSec
/// (libsodium through its key handles) and libsodium called directly (P/Invoke, AES-GCM key schedule precomputed).
/// Run: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*AeadBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AeadBenchmarks
{
    private byte[] _plain = null!;
    private byte[] _cipher = null!;
    private byte[] _opened = null!;
    private readonly byte[] _tag = new byte[32];
    private readonly byte[] _associated = new byte[9];
    private readonly byte[] _nonce = new byte[32];
    private readonly byte[] _key = new byte[32];
    private ChaCha20Poly1305 _netChaCha = null!;
    private AesGcm _netAes = null!;
    private NSecKey _nsecAes = null!, _nsecChaCha = null!, _nsecAegis128 = null!, _nsecAegis256 = null!;
    private IntPtr _aesStateMemory;
    private IntPtr _aesState;
    private ulong _sequence;

    [Params(64, 1200)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _plain = new byte[Size];
        _cipher = new byte[Size];
        _opened = new byte[Size];
        RandomNumberGenerator.Fill(_plain);
        RandomNumberGenerator.Fill(_key);
        _netChaCha = new ChaCha20Poly1305(_key);
        _netAes = new AesGcm(_key, 16);
        _nsecAes = NSecKey.Import(NSecAead.Aes256Gcm, _key, NSec.Cryptography.KeyBlobFormat.RawSymmetricKey);
        _nsecChaCha = NSecKey.Import(NSecAead.ChaCha20Poly1305, _key, NSec.Cryptography.KeyBlobFormat.RawSymmetricKey);
        _nsecAegis128 = NSecKey.Import(NSecAead.Aegis128L, _key.AsSpan(0, 16), NSec.Cryptography.KeyBlobFormat.RawSymmetricKey);
        _nsecAegis256 = NSecKey.Import(NSecAead.Aegis256, _key, NSec.Cryptography.KeyBlobFormat.RawSymmetricKey);
        if (SodiumNative.sodium_init() < 0) throw new InvalidOperationException("sodium_init failed");
        _aesStateMemory = Marshal.AllocHGlobal(SodiumNative.Aes256GcmStateSize + 16);
        _aesState = (IntPtr)(((long)_aesStateMemory + 15) & ~15L);
        SodiumNative.crypto_aead_aes256gcm_beforenm(_aesState, ref _key[0]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _netChaCha.Dispose();
        _netAes.Dispose();
        _nsecAes.Dispose();
        _nsecChaCha.Dispose();
        _nsecAegis128.Dispose();
        _nsecAegis256.Dispose();
        Marshal.FreeHGlobal(_aesStateMemory);
    }

    private Span<byte> NextNonce(int size)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_nonce.AsSpan(4), ++_sequence);
        return _nonce.AsSpan(0, size);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("ChaCha20-Poly1305")]
    public void DotNet_ChaCha20()
    {
        var nonce = NextNonce(12);
        _netChaCha.Encrypt(nonce, _plain, _cipher, _tag.AsSpan(0, 16), _associated);
        _netChaCha.Decrypt(nonce, _cipher, _tag.AsSpan(0, 16), _opened, _associated);
    }

    [Benchmark, BenchmarkCategory("ChaCha20-Poly1305")]
    public void NSec_ChaCha20()
    {
        var nonce = NextNonce(12);
        NSecAead.ChaCha20Poly1305.Encrypt(_nsecChaCha, nonce, _associated, _plain, Combined);
        if (!NSecAead.ChaCha20Poly1305.Decrypt(_nsecChaCha, nonce, _associated, Combined, _opened)) throw new InvalidOperationException();
    }

    private Span<byte> Combined => _combined.AsSpan(0, Size + 16);
    private readonly byte[] _combined = new byte[1200 + 32];

    [Benchmark, BenchmarkCategory("ChaCha20-Poly1305")]
    public void Sodium_ChaCha20()
    {
        var nonce = NextNonce(12);
        SodiumNative.crypto_aead_chacha20poly1305_ietf_encrypt_detached(ref _cipher[0], ref _tag[0], IntPtr.Zero, ref _plain[0], (ulong)Size,
            ref _associated[0], 9, IntPtr.Zero, ref nonce[0], ref _key[0]);
        if (SodiumNative.crypto_aead_chacha20poly1305_ietf_decrypt_detached(ref _opened[0], IntPtr.Zero, ref _cipher[0], (ulong)Size, ref _tag[0],
            ref _associated[0], 9, ref nonce[0], ref _key[0]) != 0) throw new InvalidOperationException();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("AES-256-GCM")]
    public void DotNet_AesGcm()
    {
        var nonce = NextNonce(12);
        _netAes.Encrypt(nonce, _plain, _cipher, _tag.AsSpan(0, 16), _associated);
        _netAes.Decrypt(nonce, _cipher, _tag.AsSpan(0, 16), _opened, _associated);
    }

    [Benchmark, BenchmarkCategory("AES-256-GCM")]
    public void NSec_AesGcm()
    {
        var nonce = NextNonce(12);
        NSecAead.Aes256Gcm.Encrypt(_nsecAes, nonce, _associated, _plain, Combined);
        if (!NSecAead.Aes256Gcm.Decrypt(_nsecAes, nonce, _associated, Combined, _opened)) throw new InvalidOperationException();
    }

    [Benchmark, BenchmarkCategory("AES-256-GCM")]
    public void Sodium_AesGcm_Precomputed()
    {
        var nonce = NextNonce(12);
        SodiumNative.crypto_aead_aes256gcm_encrypt_detached_afternm(ref _cipher[0], ref _tag[0], IntPtr.Zero, ref _plain[0], (ulong)Size,
            ref _associated[0], 9, IntPtr.Zero, ref nonce[0], _aesState);
        if (SodiumNative.crypto_aead_aes256gcm_decrypt_detached_afternm(ref _opened[0], IntPtr.Zero, ref _cipher[0], (ulong)Size, ref _tag[0],
            ref _associated[0], 9, ref nonce[0], _aesState) != 0) throw new InvalidOperationException();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("AEGIS")]
    public void NSec_Aegis128L()
    {
        var nonce = NextNonce(16);
        var combined = _combined.AsSpan(0, Size + 32);
        NSecAead.Aegis128L.Encrypt(_nsecAegis128, nonce, _associated, _plain, combined);
        if (!NSecAead.Aegis128L.Decrypt(_nsecAegis128, nonce, _associated, combined, _opened)) throw new InvalidOperationException();
    }

    [Benchmark, BenchmarkCategory("AEGIS")]
    public void Sodium_Aegis128L()
    {
        var nonce = NextNonce(16);
        SodiumNative.crypto_aead_aegis128l_encrypt_detached(ref _cipher[0], ref _tag[0], IntPtr.Zero, ref _plain[0], (ulong)Size,
            ref _associated[0], 9, IntPtr.Zero, ref nonce[0], ref _key[0]);
        if (SodiumNative.crypto_aead_aegis128l_decrypt_detached(ref _opened[0], IntPtr.Zero, ref _cipher[0], (ulong)Size, ref _tag[0],
            ref _associated[0], 9, ref nonce[0], ref _key[0]) != 0) throw new InvalidOperationException();
    }

    [Benchmark, BenchmarkCategory("AEGIS")]
    public void Sodium_Aegis256()
    {
        var nonce = NextNonce(32);
        SodiumNative.crypto_aead_aegis256_encrypt_detached(ref _cipher[0], ref _tag[0], IntPtr.Zero, ref _plain[0], (ulong)Size,
            ref _associated[0], 9, IntPtr.Zero, ref nonce[0], ref _key[0]);
        if (SodiumNative.crypto_aead_aegis256_decrypt_detached(ref _opened[0], IntPtr.Zero, ref _cipher[0], (ulong)Size, ref _tag[0],
            ref _associated[0], 9, ref nonce[0], ref _key[0]) != 0) throw new InvalidOperationException();
    }
}
