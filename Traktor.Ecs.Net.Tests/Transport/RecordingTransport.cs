using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>Records every datagram passing through a transport, as an attacker or a test on the wire would see it.</summary>
internal sealed class RecordingTransport(IDatagramTransport inner) : IPeerAwareTransport
{
    public List<(byte[] Data, NetAddress Peer)> Sent { get; } = [];
    public List<(byte[] Data, NetAddress Peer)> Received { get; } = [];
    public bool Enabled { get; set; } = true;

    public NetAddress LocalAddress => inner.LocalAddress;

    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        if (Enabled) Sent.Add((datagram.ToArray(), destination));
        return inner.TrySend(datagram, destination);
    }

    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        if (!inner.TryReceive(buffer, out length, out source)) return false;
        if (Enabled) Received.Add((buffer[..length].ToArray(), source));
        return true;
    }

    public void OnPeerConnected(in NetAddress peer) => (inner as IPeerAwareTransport)?.OnPeerConnected(peer);

    public void OnPeerDisconnected(in NetAddress peer) => (inner as IPeerAwareTransport)?.OnPeerDisconnected(peer);

    public void DiscardUnsent(in NetAddress peer) => (inner as IPeerAwareTransport)?.DiscardUnsent(peer);

    public TimeSpan IdleTimeoutFor(in NetAddress peer) => (inner as IPeerAwareTransport)?.IdleTimeoutFor(peer) ?? Timeout.InfiniteTimeSpan;

    public void Dispose() => inner.Dispose();
}
