namespace Traktor.Ecs.Net.Sessions;

/// <summary>Where a <see cref="SessionConnector"/> is in reaching a session's host.</summary>
public enum SessionConnectorState
{
    /// <summary>A player host behind a NAT: the introducer is putting the client through (punching, or falling back to its relay).</summary>
    Introducing,

    /// <summary>The client's handshake with the host is under way.</summary>
    Connecting,

    /// <summary>Connected: the player is in the session.</summary>
    Connected,

    /// <summary>No path to the player host was found within the wait (the introducer did not answer, or the host is not registered with it).</summary>
    NotIntroduced,

    /// <summary>The connection failed or ended (<see cref="NetClient.LastDisconnectReason"/> says why).</summary>
    Disconnected,
}
