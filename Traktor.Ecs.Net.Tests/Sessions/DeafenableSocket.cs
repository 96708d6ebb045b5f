using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A player's client socket for the migration rigs: its received datagrams are lost while <see cref="Deaf"/>, those it
/// sends while <see cref="Mute"/>, and
/// <see cref="DropBacklogBeyond"/> makes what waited through a stall fit a bounded receive queue; everything else passes through.
/// </summary>
internal sealed class DeafenableSocket(NatTraversal inner) : IPeerAwareTransport
{
    private readonly Queue<(byte[] Datagram, NetAddress Source)> backlog = new();

    /// <summary>True to lose every datagram that reaches the socket (its network drops what it is sent).</summary>
    public volatile bool Deaf;

    /// <summary>True to lose every datagram the socket sends (its network drops what it sends).</summary>
    public volatile bool Mute;

    public NetAddress LocalAddress => inner.LocalAddress;

    /// <summary>
    /// A player whose game froze wakes with a bounded queue (a real socket's receive buffer holds a few hundred datagrams):
    /// keeps the first <paramref name="limit"/> datagrams waiting, in order, and drops the rest, the newest (a host's
    /// Disconnect sent at the end of the stall among them).
    /// </summary>
    /// <returns>How many were dropped.</returns>
    public int DropBacklogBeyond(int limit)
    {
        var buffer = new byte[64 * 1024];
        int dropped = 0;
        while (inner.TryReceive(buffer, out int length, out var source))
        {
            if (backlog.Count < limit) backlog.Enqueue((buffer[..length].ToArray(), source));
            else dropped++;
        }

        return dropped;
    }

    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination) => Mute || inner.TrySend(datagram, destination);

    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        if (backlog.TryDequeue(out var waited))
        {
            waited.Datagram.CopyTo(buffer);
            (length, source) = (waited.Datagram.Length, waited.Source);
            return true;
        }

        while (inner.TryReceive(buffer, out length, out source))
        {
            if (!Deaf) return true;
        }

        return false;
    }

    public void OnPeerConnected(in NetAddress peer) => inner.OnPeerConnected(peer);

    public void OnPeerDisconnected(in NetAddress peer) => inner.OnPeerDisconnected(peer);

    public void DiscardUnsent(in NetAddress peer) => ((IPeerAwareTransport)inner).DiscardUnsent(peer);

    public TimeSpan IdleTimeoutFor(in NetAddress peer) => inner.IdleTimeoutFor(peer);

    public void Dispose() => inner.Dispose();
}
