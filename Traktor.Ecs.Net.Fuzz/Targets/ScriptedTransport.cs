using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// A datagram transport the harness scripts: it queues what the fuzz input sends and keeps what the peer under
/// test sends back, so the harness can answer (with the keys it knows) the way a real peer would.
/// </summary>
internal sealed class ScriptedTransport(NetAddress local) : IDatagramTransport
{
    private readonly Queue<(byte[] Data, NetAddress Source)> _incoming = new();

    public NetAddress LocalAddress { get; } = local;

    /// <summary>What the peer under test sent, oldest first.</summary>
    public List<(byte[] Data, NetAddress Destination)> Sent { get; } = new();

    public void Deliver(ReadOnlySpan<byte> datagram, NetAddress source) => _incoming.Enqueue((datagram.ToArray(), source));

    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        // Bounded: a target may loop, and nobody reads more than the last few replies.
        if (Sent.Count >= 256) Sent.RemoveRange(0, 128);
        Sent.Add((datagram.ToArray(), destination));
        return true;
    }

    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        while (_incoming.TryDequeue(out var item))
        {
            // A socket read into an MTU-sized buffer drops what does not fit, as this does.
            if (item.Data.Length > buffer.Length) continue;
            item.Data.CopyTo(buffer);
            length = item.Data.Length;
            source = item.Source;
            return true;
        }
        length = 0;
        source = default;
        return false;
    }

    public void Dispose()
    {
    }
}
