namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Multiplayer sessions (the engine's <c>createSession(name, maxPlayers)</c>, <c>joinSession(id)</c>,
/// <c>leaveSession()</c>), kept as a world resource. Implementations are thread-safe: a matchmaking or
/// HTTP front end may call them from any thread.
/// </summary>
public interface ISessions
{
    /// <summary>Raised after a successful join or leave, on the caller's thread.</summary>
    event Action<SessionMembershipChange>? MembershipChanged;

    /// <summary>Creates an empty session.</summary>
    /// <param name="name">Display name.</param>
    /// <param name="maxPlayers">Capacity (1 or more).</param>
    /// <param name="visibility">Listed or not.</param>
    /// <param name="properties">Game-defined key/value pairs for filters (copied).</param>
    /// <returns>The new session.</returns>
    SessionInfo CreateSession(string name, int maxPlayers, SessionVisibility visibility = SessionVisibility.Public, IReadOnlyDictionary<string, string>? properties = null);

    /// <summary>Lists public sessions matching <paramref name="filter"/>, oldest first.</summary>
    /// <param name="filter">Conditions; null lists all.</param>
    /// <param name="offset">Sessions to skip.</param>
    /// <param name="limit">Page size (1 to 100).</param>
    /// <returns>One page.</returns>
    SessionPage ListSessions(SessionFilter? filter = null, int offset = 0, int limit = 20);

    /// <summary>Looks up a session, listed or not.</summary>
    /// <param name="id">Its id.</param>
    /// <param name="session">Its state, when it exists.</param>
    /// <returns>True when it exists.</returns>
    bool TryGetSession(SessionId id, out SessionInfo session);

    /// <summary>
    /// Takes a slot in the session for <paramref name="playerId"/> when one is free — the check and the
    /// take are one atomic step — and returns a connect token for the session's server.
    /// </summary>
    /// <param name="id">The session.</param>
    /// <param name="playerId">The authenticated player (becomes the connection's client id).</param>
    /// <param name="playerName">Display name, for <see cref="PlayerJoined"/>.</param>
    /// <returns>The status and, on success, the connect info.</returns>
    SessionJoinResult JoinSession(SessionId id, ulong playerId, string playerName = "");

    /// <summary>Frees the player's slot.</summary>
    /// <param name="id">The session.</param>
    /// <param name="playerId">The player.</param>
    /// <returns>False when the player was not in the session.</returns>
    bool LeaveSession(SessionId id, ulong playerId);

    /// <summary>Removes a session; its players are not told (the game server disconnects them).</summary>
    /// <param name="id">The session.</param>
    /// <returns>False when it did not exist.</returns>
    bool CloseSession(SessionId id);
}
