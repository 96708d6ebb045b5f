namespace Traktor.Ecs.Net.Web.Transport;

/// <summary>
/// Where an upgrade of <see cref="WebSocketServerTransport"/> is, for the tests' hook that runs at each step (a failure
/// or a connection gone there): every way out of each step must give the admission back exactly once, and be counted
/// as what it is.
/// </summary>
internal enum AcceptStep
{
    /// <summary>Admitted; the channel does not exist yet (a throw here stands for its constructor failing).</summary>
    Admitted,

    /// <summary>The channel exists and the connection gate holds it (a throw here stands for binding it failing).</summary>
    Bound,

    /// <summary>The WebSocket handshake is about to be written.</summary>
    Upgrading,

    /// <summary>The channel was handed to the game loop and its run has ended (a throw here stands for one escaping the run).</summary>
    Ran,
}
