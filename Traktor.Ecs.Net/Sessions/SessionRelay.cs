using System.Collections.Concurrent;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Connects one session to the game server hosting it. A member's first connection raises
/// <see cref="PlayerJoined"/> (on the server as a local RPC event, and as an RPC to every client; the newcomer
/// also receives one per player already present); a leave raises <see cref="PlayerLeft"/> the same way. A
/// player whose reconnect grace expires leaves the session, freeing its slot. <see cref="Approve"/> admits
/// members only (set it as <see cref="NetServerOptions.ApproveConnection"/>).
/// </summary>
public sealed class SessionRelay
{
    private readonly NetworkServer server;
    private readonly ISessions sessions;
    private readonly ConcurrentQueue<SessionMembershipChange> changes = new();
    private readonly Dictionary<ulong, string> names = new();
    private readonly List<ulong> present = new();

    /// <summary>Relays <paramref name="session"/>'s membership to <paramref name="rpcs"/>' world and clients.</summary>
    /// <param name="rpcs">The server's RPC layer.</param>
    /// <param name="sessions">The sessions service.</param>
    /// <param name="session">The session this server hosts.</param>
    public SessionRelay(RpcServer rpcs, ISessions sessions, SessionId session)
    {
        ArgumentNullException.ThrowIfNull(rpcs);
        ArgumentNullException.ThrowIfNull(sessions);
        server = rpcs.Server;
        this.sessions = sessions;
        Session = session;

        // Membership changes come from any thread; they are applied on the tick thread in Received.
        sessions.MembershipChanged += change =>
        {
            if (change.SessionId == Session)
            {
                changes.Enqueue(change);
            }
        };
        server.Received += Drain;
        server.ClientConnected += OnConnected;
        rpcs.Grace.Expired += clientId => sessions.LeaveSession(Session, clientId);
    }

    /// <summary>The session this server hosts.</summary>
    public SessionId Session { get; }

    /// <summary>Players announced and not yet left.</summary>
    public IReadOnlyList<ulong> PresentPlayers => present;

    /// <summary>Connection approval: only members of <see cref="Session"/> with a token issued for it may connect.</summary>
    /// <param name="clientId">The token's client id.</param>
    /// <param name="userData">The token's user data (the session id).</param>
    /// <param name="address">The client's address.</param>
    /// <returns>True to admit.</returns>
    public bool Approve(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address) =>
        SessionId.TryRead(userData, out var id) && id == Session
        && sessions.TryGetSession(id, out var info) && info.Players.Contains(clientId);

    private void OnConnected(ConnectionId connection, ulong clientId)
    {
        Drain();
        if (present.Contains(clientId) || !sessions.TryGetSession(Session, out var info) || !info.Players.Contains(clientId))
        {
            return; // a reconnect within the grace period, or not a member: nothing to announce
        }

        // The newcomer learns who is already here, then everyone (itself included) learns about it.
        foreach (ulong other in present)
        {
            server.World.SendRpc(Joined(other, present.Count), RpcTarget.To(connection));
        }

        present.Add(clientId);
        var joined = Joined(clientId, present.Count);
        server.World.Create(joined, RpcSource.Local);
        server.World.SendRpc(joined, RpcTarget.AllClients);
    }

    private void Drain()
    {
        while (changes.TryDequeue(out var change))
        {
            if (change.Joined)
            {
                names[change.PlayerId] = change.PlayerName;
            }
            else
            {
                names.Remove(change.PlayerId);
                if (present.Remove(change.PlayerId))
                {
                    var left = new PlayerLeft { PlayerId = change.PlayerId, PlayerCount = present.Count };
                    server.World.Create(left, RpcSource.Local);
                    server.World.SendRpc(left, RpcTarget.AllClients);
                }
            }
        }
    }

    private PlayerJoined Joined(ulong playerId, int count) =>
        new() { PlayerId = playerId, PlayerCount = count, Name = names.GetValueOrDefault(playerId, string.Empty) };
}
