using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// A polled, unreliable datagram endpoint: the real UDP socket, the in-memory network, or a decorator
/// such as the link simulator. Implementations never block and never throw on bad input or socket errors.
/// </summary>
public interface IDatagramTransport : IDisposable
{
    /// <summary>The local address datagrams are received on.</summary>
    NetAddress LocalAddress { get; }

    /// <summary>Sends one datagram; false when it could not be handed to the network (it is then lost, like any datagram).</summary>
    bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination);

    /// <summary>
    /// Receives the next pending datagram into <paramref name="buffer"/>; false when none is pending.
    /// A datagram larger than the buffer is dropped.
    /// </summary>
    bool TryReceive(Span<byte> buffer, out int length, out NetAddress source);

    /// <summary>
    /// True when this transport can send to addresses of <paramref name="kind"/>: by default the kind of its own
    /// <see cref="LocalAddress"/>; a <see cref="CompositeTransport"/> answers for every transport it holds, and a decorator
    /// for what it decorates. A client skips the addresses of a connect token its transport cannot reach instead of
    /// waiting <see cref="NetClientOptions.ChallengeTimeout"/> on each.
    /// </summary>
    bool Carries(TransportKind kind) => LocalAddress.Kind == kind;

    /// <summary>
    /// Datagrams passed to <see cref="TrySend"/> from now until <see cref="FlushSends"/> may be held and handed to the
    /// network together (the UDP transport sends them with one system call per batch). A server calls it before a
    /// tick's send phase; replies that must leave at once (the handshake's) are sent outside it. Transports that gain
    /// nothing from batching need not implement it: by default every datagram leaves at once.
    /// </summary>
    void BeginSendBatch()
    {
    }

    /// <summary>
    /// Hands every datagram held since <see cref="BeginSendBatch"/> to the network, in the order they were sent, and
    /// sends later ones at once again. Must be called after each <see cref="BeginSendBatch"/>.
    /// </summary>
    void FlushSends()
    {
    }
}
