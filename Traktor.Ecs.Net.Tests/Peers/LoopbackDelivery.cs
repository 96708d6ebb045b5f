using System.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// Real sockets on loopback made as punctual as the in-memory network, for games on a fake clock: every datagram one of
/// the wrapped sockets sends to another is counted, and a read that finds its socket empty while a datagram sent to it is
/// still on its way waits for it (at most <see cref="Patience"/> of real time). On Linux a loopback datagram is in the
/// receiver's queue when its send returns; elsewhere it may come a moment later, and the fake clock ran on meanwhile: a
/// silence or a timeout decided what the datagram should have. A datagram lost for good (a full socket buffer) costs
/// the wait once, then counts as lost. Single-threaded, as the games are.
/// </summary>
internal sealed class LoopbackDelivery
{
    private readonly Dictionary<NetAddress, Inbox> inboxes = new();

    /// <summary>The longest a read waits for a datagram on its way (real time).</summary>
    public TimeSpan Patience { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wraps <paramref name="socket"/>: its sends to the other wrapped sockets are counted, its reads wait for what was sent to it.</summary>
    public IDatagramTransport Wrap(IDatagramTransport socket)
    {
        var inbox = new Inbox();
        inboxes.Add(socket.LocalAddress, inbox);
        return new CountedSocket(this, socket, inbox);
    }

    /// <summary>What was sent to one socket, and what it read.</summary>
    private sealed class Inbox
    {
        public long Sent;
        public long Received;
    }

    private sealed class CountedSocket(LoopbackDelivery delivery, IDatagramTransport inner, Inbox inbox) : IDatagramTransport
    {
        public NetAddress LocalAddress => inner.LocalAddress;

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
        {
            bool sent = inner.TrySend(datagram, destination);
            if (sent && delivery.inboxes.TryGetValue(destination, out var to)) to.Sent++;
            return sent;
        }

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
        {
            if (inner.TryReceive(buffer, out length, out source))
            {
                inbox.Received++;
                return true;
            }

            if (inbox.Received >= inbox.Sent) return false; // nothing on its way: the socket is really empty
            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < delivery.Patience)
            {
                Thread.Yield();
                if (inner.TryReceive(buffer, out length, out source))
                {
                    inbox.Received++;
                    return true;
                }
            }

            inbox.Received = inbox.Sent; // lost for good: not waited for again
            return false;
        }

        public bool Carries(TransportKind kind) => inner.Carries(kind);

        public void BeginSendBatch() => inner.BeginSendBatch();

        public void FlushSends() => inner.FlushSends();

        public void Dispose() => inner.Dispose();
    }
}
