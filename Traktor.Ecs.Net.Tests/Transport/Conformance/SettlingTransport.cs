using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Conformance;

/// <summary>
/// Wraps a socket transport so a test on virtual time can wait until every datagram sent so far has arrived
/// (<see cref="TestWire.Settle"/>): real sockets deliver in microseconds of wall time, but not synchronously, and a
/// fake clock racing ahead would read their delay as seconds. Arrived datagrams are read ahead into a queue.
/// </summary>
internal sealed class SettlingTransport(IDatagramTransport inner, TestWire wire) : IPeerAwareTransport
{
    private readonly Queue<(byte[] Data, NetAddress Source)> _arrived = new();
    private readonly byte[] _scratch = new byte[65536];

    public IDatagramTransport Inner => inner;

    public NetAddress LocalAddress => inner.LocalAddress;

    /// <summary>Reads everything that has arrived into the queue; returns how many datagrams that was.</summary>
    public int Pump()
    {
        int count = 0;
        while (inner.TryReceive(_scratch, out int length, out var source))
        {
            _arrived.Enqueue((_scratch.AsSpan(0, length).ToArray(), source));
            count++;
        }
        return count;
    }

    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        if (!inner.TrySend(datagram, destination)) return false;
        wire.OnSent();
        return true;
    }

    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        wire.OnPumped(Pump());
        while (_arrived.TryDequeue(out var item))
        {
            if (item.Data.Length > buffer.Length) continue; // the contract: a datagram larger than the buffer is dropped
            item.Data.CopyTo(buffer);
            length = item.Data.Length;
            source = item.Source;
            return true;
        }
        length = 0;
        source = default;
        return false;
    }

    public void OnPeerConnected(in NetAddress peer) => (inner as IPeerAwareTransport)?.OnPeerConnected(peer);

    public void OnPeerDisconnected(in NetAddress peer) => (inner as IPeerAwareTransport)?.OnPeerDisconnected(peer);

    public void DiscardUnsent(in NetAddress peer) => (inner as IPeerAwareTransport)?.DiscardUnsent(peer);

    public TimeSpan IdleTimeoutFor(in NetAddress peer) => (inner as IPeerAwareTransport)?.IdleTimeoutFor(peer) ?? Timeout.InfiniteTimeSpan;

    /// <summary>Closes the socket and leaves the wire, so a long test's departed connections (64 KiB of scratch each) do not pile up.</summary>
    public void Dispose()
    {
        wire.Forget(this);
        inner.Dispose();
    }
}
