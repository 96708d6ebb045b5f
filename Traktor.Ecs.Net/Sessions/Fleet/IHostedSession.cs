namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// One session's world on a game server run by a <see cref="GameServerHost"/>: its <see cref="NetworkServer"/> is built on
/// the session's <see cref="SessionEndpoint"/>, and its <see cref="SessionRelay"/>, built on that server, admits the session's
/// members (it adds its approval to the endpoint). <see cref="SessionWorld"/> is the ready-made one; a game adds its systems
/// to it. Disposing it disposes the relay too.
/// </summary>
public interface IHostedSession : IDisposable
{
    /// <summary>The session's membership relay (the host feeds it departures and the end, and asks it who is present).</summary>
    SessionRelay Relay { get; }

    /// <summary>Runs one tick of the session's world (receive from its endpoint, simulate, replicate). Called on the tick thread.</summary>
    /// <param name="deltaTime">Seconds since the previous tick.</param>
    void Tick(float deltaTime);

    /// <summary>
    /// Told the directory's record of a session that was opened from its first player's ticket (the usual case: the
    /// session's creator connects before the next heartbeat lists the placement). The ticket carries the session's id and
    /// capacity only, so the <see cref="SessionInfo"/> the <see cref="HostedSessionFactory"/> was given has no name and no
    /// properties; the next heartbeat's answer brings the directory's, once, and the host passes it here. Called on the
    /// tick thread, between ticks. Does nothing unless implemented (<see cref="SessionWorld"/> makes it its
    /// <see cref="SessionWorld.Session"/>). An exception thrown here is logged by the host, which is not told again and
    /// goes on with the other sessions.
    /// </summary>
    /// <param name="session">The session as the directory lists it (name, properties, capacity, visibility).</param>
    void OnListed(SessionInfo session)
    {
    }
}

/// <summary>
/// Builds the world of a session placed on this game server. An exception thrown here is logged by the host: the session is
/// not hosted (its players are refused) until a later heartbeat that lists it, or a ticket for it, tries again.
/// </summary>
/// <param name="session">The session (from the directory, or — for a player who arrived before the next heartbeat — from its ticket: id and capacity only; the directory's record is then passed to <see cref="IHostedSession.OnListed"/> at the next heartbeat's answer).</param>
/// <param name="endpoint">The session's share of the game server's socket.</param>
/// <returns>The running session.</returns>
public delegate IHostedSession HostedSessionFactory(SessionInfo session, SessionEndpoint endpoint);
