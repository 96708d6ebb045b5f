namespace Traktor.Ecs.Net.Bench.Capacity;

/// <summary>
/// Counts the datagrams and UDP payload bytes that pass through a transport, so packets and bytes per client per
/// second are measured at the socket rather than estimated. Adds nothing to the wire.
/// </summary>
internal sealed class CountingTransport(IDatagramTransport inner) : IDatagramTransport
{
    public long DatagramsSent { get; private set; }

    public long BytesSent { get; private set; }

    public long DatagramsReceived { get; private set; }

    public long BytesReceived { get; private set; }

    public NetAddress LocalAddress => inner.LocalAddress;

    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        DatagramsSent++;
        BytesSent += datagram.Length;
        return inner.TrySend(datagram, destination);
    }

    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        if (!inner.TryReceive(buffer, out length, out source)) return false;
        DatagramsReceived++;
        BytesReceived += length;
        return true;
    }

    public void BeginSendBatch() => inner.BeginSendBatch();

    public void FlushSends() => inner.FlushSends();

    public void Dispose() => inner.Dispose();
}
