namespace Traktor.Ecs.Net.Transport.Tcp;

/// <summary>
/// Where an accept of a listening <see cref="TcpTransport"/> is, for the tests' hook that runs at each step (a failure
/// there): every way out of each step must close the socket, give the address's slot back and be counted as what it is.
/// </summary>
internal enum TcpAcceptStep
{
    /// <summary>Before the listener's accept (a <see cref="System.Net.Sockets.SocketException"/> here stands for it failing).</summary>
    Accepting,

    /// <summary>A socket was accepted and is being set up (a SocketException here stands for the peer having left already).</summary>
    Accepted,

    /// <summary>The limits admitted it; its stream does not exist yet (a throw here stands for the stream's constructor failing).</summary>
    Admitted,
}
