namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>The real sockets a game server of the attack tests (<see cref="LoopbackGameServer"/>) listens on.</summary>
public enum SocketWire
{
    /// <summary>A UDP socket (<see cref="UdpTransport"/>).</summary>
    Udp,

    /// <summary>A TCP listener (<see cref="TcpTransport"/>).</summary>
    Tcp,

    /// <summary>A WebSocket listener (<see cref="WebSocketServerTransport"/>).</summary>
    WebSocket,
}
