namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Reaches the host of a session the player has joined, from the tick thread: a game server is connected to at once with
/// the seat's connect token; a player host behind a NAT (the join's <see cref="SessionConnectInfo.Rendezvous"/>) is first
/// introduced through the client socket's <see cref="NatTraversal"/>, which punches a hole or falls back to the relay, and
/// connected to once a path is found (docs/P2P.md). Shared by <see cref="Multiplayer.JoinSessionAsync"/> (with
/// <see cref="MultiplayerOptions.Traversal"/>) and Lua's <c>multiplayer:joinSession</c> (with <c>ScriptServices.Traversal</c>),
/// so both reach a player host the same way. Not thread-safe: <see cref="Start"/> and <see cref="Update"/> run on the thread
/// that ticks the client.
/// </summary>
public sealed class SessionConnector
{
    private readonly NetClient client;
    private readonly NatTraversal? traversal;
    private readonly byte[] token;
    private readonly TimeProvider time;
    private readonly TimeSpan introductionWait;
    private readonly long started;

    private SessionConnector(NetClient client, SessionConnectInfo info, NatTraversal? traversal, TimeSpan introductionWait, TimeProvider time)
    {
        this.client = client;
        this.time = time;
        this.introductionWait = introductionWait;
        token = info.ConnectToken;
        started = time.GetTimestamp();
        if (info.Rendezvous is { } rendezvous && traversal is not null)
        {
            this.traversal = traversal;
            traversal.Join(rendezvous, info.PunchKey);
            State = SessionConnectorState.Introducing;
        }
        else
        {
            client.Connect(token);
            State = SessionConnectorState.Connecting;
        }
    }

    /// <summary>Where it is; updated by <see cref="Update"/>.</summary>
    public SessionConnectorState State { get; private set; }

    /// <summary>How datagrams travel to a player host that was introduced (<see cref="NatPath.Direct"/> or <see cref="NatPath.Relayed"/>); <see cref="NatPath.None"/> otherwise.</summary>
    public NatPath Path => traversal is { } nat ? nat.GetPath(nat.HostAddress) : NatPath.None;

    /// <summary>
    /// Starts reaching the session's host: presents the rendezvous to <paramref name="traversal"/> when the session is
    /// hosted by a player and a traversal is given, else connects <paramref name="client"/> with the token at once.
    /// </summary>
    /// <param name="client">The client to connect (a <see cref="NetworkClient"/>'s <see cref="NetworkClient.Transport"/>).</param>
    /// <param name="info">The join's answer (<see cref="SessionJoinResult.ConnectInfo"/>).</param>
    /// <param name="traversal">The <see cref="NatTraversal"/> under <paramref name="client"/>'s socket, or null when it has none
    /// (a player host is then connected to directly, which works only when it is reachable, as on a LAN).</param>
    /// <param name="introductionWait">How long the introduction may take before <see cref="SessionConnectorState.NotIntroduced"/>.</param>
    /// <param name="time">The clock; the system clock when null.</param>
    /// <returns>The connector; call <see cref="Update"/> every tick until it is connected or has failed.</returns>
    public static SessionConnector Start(NetClient client, SessionConnectInfo info, NatTraversal? traversal, TimeSpan introductionWait, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(introductionWait, TimeSpan.Zero);
        return new SessionConnector(client, info, traversal, introductionWait, time ?? TimeProvider.System);
    }

    /// <summary>
    /// Advances: while introducing, runs the traversal's timers and, once the path to the host is punched or relayed,
    /// starts the handshake; while connecting, follows the client's state. Call every tick (after the client received).
    /// </summary>
    /// <returns>The new <see cref="State"/>.</returns>
    public SessionConnectorState Update()
    {
        if (State == SessionConnectorState.Introducing)
        {
            traversal!.Update();
            if (Path is NatPath.Direct or NatPath.Relayed)
            {
                client.Connect(token);
                State = SessionConnectorState.Connecting;
            }
            else if (time.GetElapsedTime(started) > introductionWait)
            {
                State = SessionConnectorState.NotIntroduced;
            }

            return State;
        }

        if (State == SessionConnectorState.Connecting)
        {
            State = client.State switch
            {
                ClientState.Connected => SessionConnectorState.Connected,
                ClientState.Disconnected => SessionConnectorState.Disconnected,
                _ => SessionConnectorState.Connecting,
            };
        }
        else if (State == SessionConnectorState.Connected && client.State == ClientState.Disconnected)
        {
            State = SessionConnectorState.Disconnected;
        }

        return State;
    }
}
