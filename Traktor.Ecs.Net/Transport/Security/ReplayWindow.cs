namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// Rejects packets whose 64-bit sequence was already accepted or is older than the window, so captured
/// packets cannot be replayed and duplicated datagrams are processed once.
/// </summary>
internal sealed class ReplayWindow
{
    public const int Size = 256;
    private readonly ulong[] _received = new ulong[Size];
    private ulong _newest;

    public ReplayWindow() => Reset(0);

    public void Reset(ulong newest)
    {
        Array.Fill(_received, ulong.MaxValue);
        _newest = newest;
    }

    /// <summary>The sequence the next packet most likely has: the newest accepted + 1 (truncated sequences are read near it).</summary>
    public ulong Expected => _newest + 1;

    /// <summary>True when <paramref name="sequence"/> must be dropped (check before decrypting).</summary>
    public bool IsReplay(ulong sequence)
    {
        if (sequence == ulong.MaxValue) return true;
        if (sequence + Size <= _newest) return true;
        return _received[sequence % Size] == sequence;
    }

    /// <summary>Records an authenticated sequence.</summary>
    public void Accept(ulong sequence)
    {
        if (sequence > _newest) _newest = sequence;
        _received[sequence % Size] = sequence;
    }
}
