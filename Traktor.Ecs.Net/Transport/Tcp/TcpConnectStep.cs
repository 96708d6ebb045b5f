namespace Traktor.Ecs.Net.Transport.Tcp;

/// <summary>
/// Where a client <see cref="TcpTransport"/>'s connect to a server is, for the tests' hook that runs at each step (a failure
/// there): every way out of each step must end as a counted connect failure that holds off the next attempt, never as an
/// exception out of the game loop's send or receive.
/// </summary>
internal enum TcpConnectStep
{
    /// <summary>Before the socket exists (a <see cref="System.Net.Sockets.SocketException"/> here stands for its address family being unsupported, or no descriptor left).</summary>
    Creating,

    /// <summary>The socket exists; the non-blocking connect has not started (a throw here stands for it failing at once).</summary>
    Connecting,

    /// <summary>The connect completed; the socket is being set up (a SocketException here stands for the server having reset it already).</summary>
    Connected,
}
