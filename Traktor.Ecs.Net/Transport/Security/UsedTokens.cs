namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// Connect tokens that already created a connection, remembered by their 16-byte authentication tag until they expire,
/// so a token is single-use: neither a replayed ChallengeResponse nor a second client holding the same token can
/// connect with it again. Memory is bounded by <see cref="Capacity"/> entries (about 80 bytes each); when it is full
/// the token closest to expiry is forgotten first (counted), which an attacker can only force by connecting that
/// many times with fresh tokens from the issuer.
/// </summary>
internal sealed class UsedTokens
{
    public const int Capacity = 65_536;

    private readonly HashSet<UInt128> _used = new();
    private readonly PriorityQueue<UInt128, ulong> _byExpiry = new();

    /// <summary>Tokens forgotten before they expired because the memory was full.</summary>
    public long ForgottenEarly { get; private set; }

    public int Count => _used.Count;

    public static UInt128 Key(ReadOnlySpan<byte> tag) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(tag[..PacketCipher.TagSize]);

    public bool Contains(UInt128 key) => _used.Contains(key);

    /// <summary>Remembers a token until <paramref name="expiresUnixSeconds"/>; forgets expired ones first.</summary>
    public void Add(UInt128 key, ulong expiresUnixSeconds, ulong nowUnixSeconds)
    {
        while (_byExpiry.TryPeek(out var oldest, out ulong expires) && (expires <= nowUnixSeconds || _used.Count >= Capacity))
        {
            if (expires > nowUnixSeconds) ForgottenEarly++;
            _byExpiry.Dequeue();
            _used.Remove(oldest);
        }
        if (_used.Add(key)) _byExpiry.Enqueue(key, expiresUnixSeconds);
    }
}
