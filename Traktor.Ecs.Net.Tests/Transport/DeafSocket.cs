using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>A player's client socket that loses every datagram it receives while <see cref="Deaf"/>; sends pass through.</summary>
internal sealed class DeafSocket(IDatagramTransport inner) : IDatagramTransport
{
    /// <summary>True to lose every datagram that reaches the socket (set from the test's thread, read on the tick's).</summary>
    public volatile bool Deaf;

    public NetAddress LocalAddress => inner.LocalAddress;

    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination) => inner.TrySend(datagram, destination);

    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        while (inner.TryReceive(buffer, out length, out source))
        {
            if (!Deaf) return true;
        }

        return false;
    }

    public void Dispose() => inner.Dispose();
}
