using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// The stateless challenge: an HMAC-SHA256 (truncated to 16 bytes) keyed by a per-process secret over the
/// source address (with its transport kind), a timestamp and the request's binding bytes. The server keeps nothing until it comes back.
/// </summary>
internal sealed class ChallengeCookie
{
    public const int MacSize = 16;
    public const int BindingSize = 12;
    private readonly byte[] _key = new byte[32];

    /// <summary>A cookie keyed from the system's cryptographic generator, or from <paramref name="randomForTests"/> (tests only).</summary>
    public ChallengeCookie(ConnectTokenIssuer.RandomFill? randomForTests = null) => (randomForTests ?? RandomNumberGenerator.Fill)(_key);

    public TimeSpan Lifetime { get; init; } = TimeSpan.FromSeconds(10);

    public void Compute(in NetAddress address, ulong timestampMs, ReadOnlySpan<byte> binding, Span<byte> mac)
    {
        Span<byte> input = stackalloc byte[16 + 2 + 8 + BindingSize + 1];
        address.WriteBytes(input);
        BinaryPrimitives.WriteUInt16BigEndian(input[16..], address.Port);
        BinaryPrimitives.WriteUInt64LittleEndian(input[18..], timestampMs);
        binding[..BindingSize].CopyTo(input[26..]);
        input[26 + BindingSize] = (byte)address.Kind; // a cookie won over WebSocket is no good over UDP
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(_key, input, hash);
        hash[..MacSize].CopyTo(mac);
    }

    public bool Verify(in NetAddress address, ulong timestampMs, ReadOnlySpan<byte> binding, ReadOnlySpan<byte> mac, ulong nowMs)
    {
        if (timestampMs > nowMs || nowMs - timestampMs > (ulong)Lifetime.TotalMilliseconds) return false;
        Span<byte> expected = stackalloc byte[MacSize];
        Compute(address, timestampMs, binding, expected);
        return CryptographicOperations.FixedTimeEquals(expected, mac[..MacSize]);
    }
}
