namespace Traktor.Ecs.Net.Transport.Streams;

/// <summary>Open streams per remote IP address (port and transport kind ignored), for the per-address connection limit.</summary>
internal sealed class AddressCounts
{
    private readonly Dictionary<UInt128, int> _counts = new();

    private static UInt128 Key(in NetAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.WriteBytes(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>Counts one more stream from <paramref name="address"/>; false (nothing counted) when it already has <paramref name="limit"/>.</summary>
    public bool TryAdd(in NetAddress address, int limit)
    {
        var key = Key(address);
        _counts.TryGetValue(key, out int count);
        if (count >= limit) return false;
        _counts[key] = count + 1;
        return true;
    }

    public void Remove(in NetAddress address)
    {
        var key = Key(address);
        if (!_counts.TryGetValue(key, out int count)) return;
        if (count <= 1) _counts.Remove(key);
        else _counts[key] = count - 1;
    }
}
