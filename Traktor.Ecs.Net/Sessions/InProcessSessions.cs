using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// <see cref="ISessions"/> in memory, for a game server that hosts its own sessions or for tests. One lock
/// guards all sessions: operations are short, and the capacity check and the slot take must be atomic.
/// Connect tokens carry the session id in their user data, which <see cref="SessionRelay"/> checks on connect.
/// </summary>
public sealed class InProcessSessions : ISessions
{
    private readonly Lock gate = new();
    private readonly Dictionary<SessionId, Session> sessions = new();
    private readonly List<Session> byAge = new();
    private readonly SessionHost host;
    private readonly ConnectTokenIssuer issuer;
    private readonly TimeProvider time;

    /// <summary>Creates the service for sessions hosted on <paramref name="host"/>.</summary>
    /// <param name="host">The game server addresses and key.</param>
    /// <param name="time">The clock (token expiry, creation times).</param>
    public InProcessSessions(SessionHost host, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.ServerAddresses.Count is 0 or > 8)
        {
            throw new ArgumentException("A session host names 1 to 8 server addresses.", nameof(host));
        }

        this.host = host;
        this.time = time ?? TimeProvider.System;
        issuer = new ConnectTokenIssuer(host.ServerKey, host.ProtocolId, this.time);
    }

    /// <inheritdoc />
    public event Action<SessionMembershipChange>? MembershipChanged;

    /// <inheritdoc />
    public SessionInfo CreateSession(string name, int maxPlayers, SessionVisibility visibility = SessionVisibility.Public, IReadOnlyDictionary<string, string>? properties = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPlayers);
        var session = new Session(SessionId.New(), name, maxPlayers, visibility, new Dictionary<string, string>(properties ?? new Dictionary<string, string>()), time.GetUtcNow());
        lock (gate)
        {
            sessions.Add(session.Id, session);
            byAge.Add(session);
            return session.Snapshot();
        }
    }

    /// <inheritdoc />
    public SessionPage ListSessions(SessionFilter? filter = null, int offset = 0, int limit = 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 100);
        List<SessionInfo> matching;
        lock (gate)
        {
            matching = byAge.Where(s => s.Visibility == SessionVisibility.Public).Select(s => s.Snapshot()).ToList();
        }

        if (filter is not null)
        {
            matching.RemoveAll(s => !filter.Matches(s));
        }

        var page = matching.Skip(offset).Take(limit).ToArray();
        int? next = offset + page.Length < matching.Count ? offset + page.Length : null;
        return new SessionPage(page, matching.Count, next);
    }

    /// <inheritdoc />
    public bool TryGetSession(SessionId id, out SessionInfo session)
    {
        lock (gate)
        {
            session = sessions.TryGetValue(id, out var found) ? found.Snapshot() : null!;
            return found is not null;
        }
    }

    /// <summary>True when <paramref name="playerId"/> holds a slot in session <paramref name="id"/>.</summary>
    /// <param name="id">The session.</param>
    /// <param name="playerId">The player.</param>
    /// <returns>True when a member.</returns>
    public bool IsMember(SessionId id, ulong playerId)
    {
        lock (gate)
        {
            return sessions.TryGetValue(id, out var session) && session.Players.Contains(playerId);
        }
    }

    /// <inheritdoc />
    public SessionJoinResult JoinSession(SessionId id, ulong playerId, string playerName = "")
    {
        ArgumentNullException.ThrowIfNull(playerName);
        SessionJoinStatus status;
        int count;
        lock (gate)
        {
            if (!sessions.TryGetValue(id, out var session))
            {
                return new SessionJoinResult(SessionJoinStatus.NotFound, null);
            }

            if (session.Players.Contains(playerId))
            {
                status = SessionJoinStatus.AlreadyMember;
            }
            else if (session.Players.Count >= session.MaxPlayers)
            {
                return new SessionJoinResult(SessionJoinStatus.Full, null);
            }
            else
            {
                session.Players.Add(playerId);
                status = SessionJoinStatus.Joined;
            }

            count = session.Players.Count;
        }

        // Token issuing (key derivation, sealing) runs outside the lock so concurrent joins stay short.
        Span<byte> userData = stackalloc byte[16];
        id.WriteBytes(userData);
        byte[] token = issuer.Issue(playerId, userData, host.TokenLifetime, host.ServerAddresses, host.TimeoutSeconds);
        var info = new SessionConnectInfo(id, token, host.ServerAddresses, time.GetUtcNow() + host.TokenLifetime);
        if (status == SessionJoinStatus.Joined)
        {
            MembershipChanged?.Invoke(new SessionMembershipChange(id, playerId, playerName, true, count));
        }

        return new SessionJoinResult(status, info);
    }

    /// <inheritdoc />
    public bool LeaveSession(SessionId id, ulong playerId)
    {
        int count;
        lock (gate)
        {
            if (!sessions.TryGetValue(id, out var session) || !session.Players.Remove(playerId))
            {
                return false;
            }

            count = session.Players.Count;
        }

        MembershipChanged?.Invoke(new SessionMembershipChange(id, playerId, string.Empty, false, count));
        return true;
    }

    /// <inheritdoc />
    public bool CloseSession(SessionId id)
    {
        lock (gate)
        {
            if (!sessions.Remove(id, out var session))
            {
                return false;
            }

            byAge.Remove(session);
            return true;
        }
    }

    private sealed class Session(SessionId id, string name, int maxPlayers, SessionVisibility visibility, Dictionary<string, string> properties, DateTimeOffset createdAt)
    {
        public SessionId Id { get; } = id;

        public SessionVisibility Visibility { get; } = visibility;

        public int MaxPlayers { get; } = maxPlayers;

        public List<ulong> Players { get; } = new();

        public SessionInfo Snapshot() =>
            new(Id, name, MaxPlayers, Visibility, properties, Players.ToArray(), createdAt);
    }
}
