namespace Traktor.Ecs.Net;

/// <summary>
/// How datagrams reach a peer. Part of every <see cref="NetAddress"/>, so one server can listen on several kinds at
/// once (through a <see cref="CompositeTransport"/>) and a connect token can list a UDP address followed
/// by a WebSocket fallback.
/// </summary>
public enum TransportKind : byte
{
    /// <summary>UDP datagrams, or the in-memory network and link simulator that stand in for UDP in tests.</summary>
    Udp = 0,

    /// <summary>Length-prefixed frames over one TCP stream per peer.</summary>
    Tcp = 1,

    /// <summary>One binary WebSocket message per datagram, over <c>ws://</c> or <c>wss://</c>.</summary>
    WebSocket = 2,
}
