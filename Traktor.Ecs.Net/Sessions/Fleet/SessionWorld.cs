using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// The usual <see cref="IHostedSession"/>: a fresh <see cref="Ecs.World"/> with a <see cref="NetworkServer"/> on the session's
/// endpoint, an <see cref="RpcServer"/>, a <see cref="SessionRelay"/>, and the game's systems after the plugin in one group.
/// </summary>
public sealed partial class SessionWorld : IHostedSession
{
    private readonly ILogger logger;

    /// <summary>Builds the session's world.</summary>
    /// <param name="session">The session.</param>
    /// <param name="endpoint">Its endpoint.</param>
    /// <param name="registry">The replicated components.</param>
    /// <param name="rpcs">The RPC types (must include <see cref="PlayerJoined"/> and <see cref="PlayerLeft"/>).</param>
    /// <param name="gameplay">Adds the game's systems for this world (they run after the network plugin), or null.</param>
    /// <param name="directory">Told when a player's reconnect grace expires (a game server's <see cref="Online.HttpSessions"/>), or null.</param>
    /// <param name="rpcOptions">RPC options (the reconnect grace), or null for the defaults.</param>
    /// <param name="replication">Replication options, or null for the defaults.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    public SessionWorld(
        SessionInfo session,
        SessionEndpoint endpoint,
        ReplicationRegistry registry,
        RpcRegistry rpcs,
        Action<SessionWorld, Group<float>>? gameplay = null,
        ISessions? directory = null,
        RpcOptions? rpcOptions = null,
        ServerReplicationOptions? replication = null,
        TimeProvider? time = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(endpoint);
        Session = session;
        this.logger = logger ?? NullLogger.Instance;
        World = World.Create();
        try
        {
            Network = new NetworkServer(World, endpoint, registry, replication, logger);
            Rpcs = new RpcServer(Network, rpcs, rpcOptions, time, logger);
            Relay = new SessionRelay(Rpcs, session.Id, session.MaxPlayers, directory, time, logger);
            Group = new Group<float>("session " + session.Id, Network);
            gameplay?.Invoke(this, Group);
            Group.Initialize();
        }
        catch
        {
            World.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The session, as the directory lists it (name, properties, capacity). A session its first player reached before the
    /// directory's listing (the usual case: its creator connects at once) is opened from that player's ticket, which tells its
    /// id and capacity only: until the next heartbeat's answer (within a heartbeat interval) its name and properties are
    /// empty, then a <see cref="GameServerHost"/> replaces it with the directory's (<see cref="OnListed"/>), on the tick thread.
    /// </summary>
    public SessionInfo Session { get; private set; }

    /// <summary>The session's world.</summary>
    public World World { get; }

    /// <summary>The network plugin on the session's endpoint.</summary>
    public NetworkServer Network { get; }

    /// <summary>The RPC layer.</summary>
    public RpcServer Rpcs { get; }

    /// <inheritdoc />
    public SessionRelay Relay { get; }

    /// <summary>The session's systems: the plugin, then the game's.</summary>
    public Group<float> Group { get; }

    /// <inheritdoc />
    public void Tick(float deltaTime) => Group.Tick(in deltaTime);

    /// <summary>
    /// Makes <paramref name="session"/> (the directory's record of a session opened from a ticket) this world's
    /// <see cref="Session"/>. A record of another session is logged and ignored: the world keeps its own.
    /// </summary>
    /// <param name="session">The session as the directory lists it.</param>
    public void OnListed(SessionInfo session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.Id != Session.Id)
        {
            // A wrapper routing records to the wrong world must not rename this one (its relay, endpoint and players stay its own).
            ListedAnotherSession(Session.Id, session.Id);
            return;
        }

        Session = session;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session} was told the directory's record of session {Listed}; ignored.")]
    private partial void ListedAnotherSession(SessionId session, SessionId listed);

    /// <summary>Disposes the session's systems and world, and its relay (its approval leaves the session's endpoint).</summary>
    public void Dispose()
    {
        Relay.Dispose();
        Group.Dispose();
        World.Dispose();
    }
}
