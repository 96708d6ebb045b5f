using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// The listen server of a session a <see cref="Multiplayer"/> hosts, on the tick thread: a <see cref="NetworkHost"/> (the
/// player is its local player) whose <see cref="NetServer"/> opens only the directory's connect tokens (the grant's session
/// key), the game's host systems around it, the rendezvous registered with the socket's introducer, and the directory
/// entry (<see cref="PlayerSessionHost"/>) told the public address and the players connected, in join order (the order of
/// succession), whenever they change. The session side (the <see cref="SessionRelay"/> announcing <see cref="PlayerJoined"/>
/// and <see cref="PlayerLeft"/>, the owners every player gets for a host migration, a takeover's handback) is the
/// <see cref="PlayerHostRelay"/> a Lua game's own host gets too.
/// </summary>
internal sealed partial class HostedSession
{
    private readonly NetServer server;
    private readonly Group<float> group;
    private readonly IDatagramTransport socket;
    private readonly NatTraversal? traversal;
    private readonly PlayerHostRelay relay;
    private NetAddress reported;
    private DateTimeOffset endBy;
    private bool entryStopped;

    private HostedSession(PlayerHostGrant grant, MultiplayerHosting hosting, NetServer server, NetworkHost host, PlayerSessionHost entry,
        NetworkClient client, TimeProvider time, ILogger logger, Takeover? takeover)
    {
        Session = grant.Session;
        this.server = server;
        socket = hosting.Socket;
        traversal = socket as NatTraversal;
        Host = host;
        Entry = entry;
        // Before the game's host systems: a returning player's entities are its own again when they hear it. Its session relay
        // admits only the session's tickets (and learns the joiners' names) once Announce made it; every token the session key opens before.
        relay = new PlayerHostRelay(host, grant.Session, time, logger, takeover);
        group = new Group<float>("host", [host, .. hosting.Systems?.Invoke(host) ?? []]);
        relay.Announce(client); // over the RpcServer the game's host systems made, if any
        // Seats the directory freed (left from another device, removed): disconnected as a game server does. Before the first
        // heartbeat: AfterUpdate's first report starts them.
        if (relay.Relay is { } membership) entry.Attach(membership);
        group.Initialize();
        traversal?.Host(grant.Rendezvous, grant.PunchKey);
    }

    /// <summary>Announces who joins and leaves (<see cref="PlayerJoined"/>, <see cref="PlayerLeft"/>), or null without an RPC layer.</summary>
    public SessionRelay? Relay => relay.Relay;

    /// <summary>The session, as the directory created it.</summary>
    public SessionInfo Session { get; }

    /// <summary>The listen server.</summary>
    public NetworkHost Host { get; }

    /// <summary>The directory entry (heartbeats on its timer).</summary>
    public PlayerSessionHost Entry { get; }

    /// <summary>Starts serving the grant's session on <paramref name="hosting"/>'s socket, with the client's protocol and schema.</summary>
    public static HostedSession Start(PlayerHostGrant grant, MultiplayerHosting hosting, NetworkClient client, IPlayerHostedSessions directory,
        long hostUserId, TimeProvider time, ILogger logger, Takeover? takeover = null)
    {
        var protocol = client.Transport.Options;
        var server = new NetServer(hosting.Socket, new NetServerOptions
        {
            ProtocolId = protocol.ProtocolId,
            SchemaHash = protocol.SchemaHash,
            PrivateKey = grant.SessionKey,                            // only tokens the directory sealed for this session open
            MaxClients = Math.Max(1, grant.Session.MaxPlayers - 1),   // the host holds a seat itself
        }, time, logger);
        PlayerSessionHost? entry = null;
        NetworkHost? host = null;
        try
        {
            host = new NetworkHost(client.World, server, client.Replication.Registry, localClientId: (ulong)hostUserId, logger: logger);
            entry = PlayerSessionHost.Start(directory, grant, hostUserId, time: time, logger: logger);
            return new HostedSession(grant, hosting, server, host, entry, client, time, logger, takeover);
        }
        catch
        {
            // The game's host systems (or the server) refused: nothing keeps serving or heartbeating.
            if (host is not null) PlayerHostRelay.ReleaseRpcServer(host);
            host?.Dispose();
            server.Dispose();
            _ = entry?.DisposeAsync().AsTask();
            throw;
        }
    }

    /// <summary>The socket's address joiners can reach: the introducer's observation behind a NAT, else its own.</summary>
    /// <param name="socket">The listen server's socket.</param>
    /// <returns>True when it has one joiners can use (a traversal that has not heard from its introducer yet has none).</returns>
    public static bool CanPublish(IDatagramTransport socket) => socket is NatTraversal || !socket.LocalAddress.IsUnspecified;

    /// <summary>Runs the socket's traversal timers, then the host's receive.</summary>
    public void BeforeUpdate(in float state)
    {
        relay.Update();
        traversal?.Update();
        group.BeforeUpdate(in state);
    }

    /// <summary>The game's host systems.</summary>
    public void Update(in float state) => group.Update(in state);

    /// <summary>Replicates and sends, then tells the directory entry what changed.</summary>
    public void AfterUpdate(in float state)
    {
        group.AfterUpdate(in state);
        var address = traversal is { } nat ? nat.PublicAddress : socket.LocalAddress;
        if (!address.IsNone && (relay.Changed || address != reported))
        {
            reported = address;
            relay.Changed = false;
            Entry.Report([address.ToEndPoint()], relay.Players); // copies; only when something changed
        }
    }

    /// <summary>
    /// The session ended with this host (its player left, or the directory ended it): the host stops serving it, but its
    /// server runs on for the remote players alone (<see cref="ReceiveEnding"/>, <see cref="SendEnding"/>) until each holds
    /// the final world, the world of the next tick, and heard <see cref="DisconnectReason.SessionEnded"/>, within
    /// <see cref="SessionRelay.EndDeliveryWait"/>, as a game server's session ends (<see cref="PlayerHostRelay.End"/>: nobody
    /// is admitted any more, no owners go out, the players let go raise no game-visible disconnect). The directory entry
    /// stops heartbeating now. A single unrepeated snapshot would leave a player whose link lost it showing an older world on its
    /// end screen, or, the notice lost too, taking the end for its host's loss.
    /// </summary>
    public void BeginEnd()
    {
        StopEntry();
        relay.End(); // at the next receive: the world of that tick is the final one; nobody joins, no plan goes out
        server.RepeatNoticesFor = NoticeRepeats; // a player let go as it holds the final world, which missed its notice, is told again
        endBy = server.Clock.GetUtcNow() + SessionRelay.EndDeliveryWait;
    }

    /// <summary>
    /// An ended host's receive (its network plugin only: the game's host systems no longer run): lets go the players that
    /// hold the final world. True once every one is gone or the wait is over: then <see cref="Stop"/> it.
    /// </summary>
    public bool ReceiveEnding(in float state)
    {
        if (server.IsDisposed)
        {
            return true; // the game disposed it: nothing more goes out
        }

        Host.BeforeUpdate(in state);
        return server.ConnectionCount == 0 || server.Clock.GetUtcNow() >= endBy;
    }

    /// <summary>An ended host's send: the world as it is to whoever still waits for it.</summary>
    public void SendEnding(in float state)
    {
        if (!server.IsDisposed)
        {
            Host.AfterUpdate(in state);
        }
    }

    /// <summary>
    /// Stops serving: every remote player is disconnected with <paramref name="reason"/> (when the session ends, after a last
    /// snapshot of the world as it is now, for its end screen), told again while it still sends with
    /// <paramref name="repeatNotices"/>; the directory entry stops heartbeating.
    /// </summary>
    /// <param name="reason">
    /// <see cref="DisconnectReason.SessionEnded"/> when the session ends with it (the host left, or the directory ended it):
    /// the players ask the directory why; <see cref="DisconnectReason.HostGaveWay"/> when the session goes on without this
    /// host (it was replaced): its players migrate to the successor.
    /// </param>
    /// <param name="repeatNotices">
    /// True when the caller ticks on (<see cref="RepeatNotices"/>): the notice is repeated to each player still sending on its
    /// closed connection, for <see cref="NoticeRepeats"/>. False when nothing reads the socket afterwards (the facade is
    /// disposed, or hosts again on it): the notice is its three datagrams alone.
    /// </param>
    /// <returns>True when the server stays on to repeat the notice: call <see cref="RepeatNotices"/> every tick until it is true.</returns>
    public bool Stop(DisconnectReason reason, bool repeatNotices = false)
    {
        if (reason == DisconnectReason.SessionEnded && !server.IsDisposed) // a server the game disposed already told its players ServerShutdown
        {
            // The final world goes out first, on the wire before the notices: each player
            // applies it before it reads its notice and keeps it for its end screen (a change the game made after its last
            // tick, or in a tick whose snapshot was not due, reached nobody before). Budget: one snapshot per remote player,
            // built by one replication pass as a tick's are and sent without waiting for anything (no acknowledgement is
            // awaited), so it holds the host's tick no longer than a tick's replication does. A snapshot lost on the way is
            // not repeated: that player keeps the last one it got. A host that could tick on delivered it first (BeginEnd):
            // this is the floor, for a facade disposed at once, and one more snapshot for whoever is still connected.
            Host.Server.SendFinalSnapshots();
        }

        // Every connection the server holds is told now, not only the relay's: one the handshake admitted this tick, before
        // the host heard of it, got ServerShutdown from the dispose below, which a player-hosted client reads as its host lost.
        bool repeats = repeatNotices && !server.IsDisposed;
        if (repeats)
        {
            server.RefusesEveryone = reason; // nobody joins a host that stopped, while it repeats the notice
            server.DisconnectAll(reason, NoticeRepeats);
        }
        else
        {
            server.DisconnectAll(reason);
        }

        group.Dispose();
        relay.Dispose();
        PlayerHostRelay.ReleaseRpcServer(Host);
        StopEntry();
        if (repeats && server.RepeatsNotices)
        {
            return true;
        }

        server.Dispose();
        return false;
    }

    private void StopEntry()
    {
        if (!entryStopped)
        {
            entryStopped = true;
            _ = Entry.DisposeAsync().AsTask();
        }
    }
}
