namespace Traktor.Ecs.Net.Tests.Transport.Conformance;

/// <summary>The transports the conformance suite runs every test over.</summary>
public enum WireKind
{
    /// <summary>The in-memory network (no sockets).</summary>
    InMemory,

    /// <summary>UDP sockets on 127.0.0.1.</summary>
    Udp,

    /// <summary>TCP streams on 127.0.0.1.</summary>
    Tcp,

    /// <summary>WebSockets on 127.0.0.1 (Kestrel server, ClientWebSocket clients).</summary>
    WebSocket,
}
