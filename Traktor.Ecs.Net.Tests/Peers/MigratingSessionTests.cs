using System.Numerics;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A player-hosted session of the directory survives its host: three players of a <see cref="MigratingPeer"/> game joined
/// through the directory, the host dies, the elected successor takes the session over in the directory
/// (<see cref="PlayerSessionHost.ClaimAsync(IPlayerHostedSessions, SessionId, long, byte[], long, TimeSpan?, TimeProvider?, Microsoft.Extensions.Logging.ILogger?, CancellationToken)"/>) and heartbeats, and a player who joins afterwards gets a token for the
/// successor and plays there.
/// </summary>
public sealed class MigratingSessionTests : IAsyncLifetime
{
    private const int Drones = 5;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider time = new(TransportHarness.Start);
    private readonly string folder = OnlineTestSettings.TempDirectory();
    private readonly InMemoryNetwork network = new();
    private readonly List<Player> players = new();
    private readonly HashSet<long> frozen = new();
    private OnlineServices services = null!;

    private SessionDirectory Directory => services.Sessions!;

    public async ValueTask InitializeAsync() =>
        services = await OnlineServices.OpenAsync(new SqliteOnlineDatabase(Path.Combine(folder, "online.db"), SqliteDurability.Normal), SqliteDirectoryHarness.Options(time));

    public async ValueTask DisposeAsync()
    {
        foreach (var player in players)
        {
            if (player.Entry is { } entry) await entry.DisposeAsync();
            player.Group.Dispose();
            player.World.Dispose();
        }

        await services.DisposeAsync();
        OnlineTestSettings.DeleteDirectory(folder);
    }

    [Fact]
    public async Task After_the_host_dies_the_successor_hosts_the_session_in_the_directory_and_later_joiners_reach_it()
    {
        var host = await AddPlayerAsync("first-host");
        var grant = await Directory.CreatePlayerHostedSessionAsync(new SessionOptions("coop", 4), host.UserId, Cancel);
        host = host with { Key = grant.SessionKey };
        players[0] = host = Build(host);
        host.Peer.StartHost();
        host.Entry = PlayerSessionHost.Start(Directory, grant, host.UserId, time: time);
        var second = Build(await AddPlayerAsync("second"));
        var third = Build(await AddPlayerAsync("third"));
        foreach (var joiner in new[] { second, third })
        {
            var join = await JoinAsync(grant.Session.Id, joiner.UserId);
            joiner.Peer.Join(join.ConnectToken, (ulong)host.UserId);
        }

        Assert.True(await TickUntilAsync(() => players.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2)
            && players.All(p => p.World.CountEntities(new QueryDescription().WithAll<ShipBody, NetworkId>()) == 3), 60 * 20), Describe());
        Assert.Equal(second.Peer.Successors, host.Peer.Successors);   // the host knows the order it sent (it reports it to the directory)
        var heir = players.Single(p => (ulong)p.UserId == second.Peer.Successors[0]);
        var other = players.Single(p => p != heir && p != host);

        // The game's glue: the player elected host takes the session over in the directory with its own standby key.
        Task<PlayerSessionHost>? claim = null;
        heir.Peer.HostChanged += newHost =>
        {
            if (newHost == heir.Peer.ClientId) claim = PlayerSessionHost.ClaimAsync(Directory, grant.Session.Id, heir.UserId, heir.Key!, host.UserId, time: time, cancellationToken: Cancel);
        };
        // The others tell the directory they lost the host: a successor takes over early only with half of those behind it.
        Task? reported = null;
        other.Peer.HostChanged += newHost =>
        {
            if (newHost != other.Peer.ClientId) reported = Directory.ReportHostLostAsync(grant.Session.Id, other.UserId, Cancel);
        };

        // SIGKILL: the host's process stops, its heartbeats with it.
        await host.Entry!.DisposeAsync();
        host.Entry = null;
        players.Remove(host);
        Assert.True(await TickUntilAsync(() => claim is { IsCompleted: true }, 60 * 10), $"claim {claim?.Status}; {Describe()}");
        heir.Entry = await claim!;
        Assert.True(reported is { IsCompletedSuccessfully: true }, $"the other player's report: {reported?.Status}");
        var session = (await Directory.GetSessionAsync(grant.Session.Id, Cancel))!;
        Assert.Equal(SessionState.Live, session.State);
        Assert.Equal(heir.UserId, session.HostUserId);
        Assert.DoesNotContain(host.UserId, session.Members.Select(m => m.UserId));   // the dead host's seat is free again
        Assert.Contains(other.UserId, session.Members.Select(m => m.UserId));        // the survivors keep theirs

        // A player who joins now gets a token for the successor (its standby address and key) and plays there.
        var late = Build(await AddPlayerAsync("late"));
        var token = await JoinAsync(grant.Session.Id, late.UserId);
        Assert.Equal([heir.Peer.StandbyAddress], token.ServerAddresses);
        late.Peer.Join(token.ConnectToken, (ulong)heir.UserId);
        Assert.True(await TickUntilAsync(() => late.Peer.Role == MigrationRole.Client && late.Peer.Client!.Transport.State == ClientState.Connected
            && late.World.CountEntities(new QueryDescription().WithAll<Drone, NetworkId>()) == Drones
            && late.World.CountEntities(new QueryDescription().WithAll<ShipBody, NetworkId>()) == 3, 60 * 10), Describe());
        Assert.True(await TickUntilAsync(() => heir.Entry!.Heartbeats >= 2, 60 * 5));
        Assert.Equal(3, (await Directory.GetSessionAsync(grant.Session.Id, Cancel))!.PlayerCount);
    }

    [Fact]
    public async Task A_successor_refused_with_host_changed_follows_the_recorded_host_instead_of_hosting_beside_it()
    {
        // Before: a peer that elected itself while the directory gave the session to another successor had no way on: its
        // claim was refused (host-changed) and it went on hosting a world nobody joined, or the game tore the peer down and
        // joined again from scratch; and to name the lost host in its claim the game had to capture HostClientId before
        // HostChanged. Now LostHostClientId names it, and TryFollowHost / FollowHost make the peer a client of the recorded host.
        var host = await AddPlayerAsync("split-host");
        var grant = await Directory.CreatePlayerHostedSessionAsync(new SessionOptions("split", 4), host.UserId, Cancel);
        var id = grant.Session.Id;
        host = host with { Key = grant.SessionKey };
        players[0] = host = Build(host);
        host.Peer.StartHost();
        host.Entry = PlayerSessionHost.Start(Directory, grant, host.UserId, time: time);
        var second = Build(await AddPlayerAsync("split-second"));
        var third = Build(await AddPlayerAsync("split-third"));
        foreach (var joiner in new[] { second, third })
        {
            joiner.Peer.Join((await JoinAsync(id, joiner.UserId)).ConnectToken, (ulong)host.UserId);
        }

        Assert.True(await TickUntilAsync(() => players.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2)
            && players.All(p => p.World.CountEntities(new QueryDescription().WithAll<ShipBody, NetworkId>()) == 3), 60 * 20), Describe());
        var heir = players.Single(p => (ulong)p.UserId == second.Peer.Successors[0]);
        var other = players.Single(p => p != heir && p != host);
        var otherHosts = new List<ulong>();
        other.Peer.HostChanged += otherHosts.Add;

        // The host dies while the heir's game is frozen: the other player cannot reach the heir within ReconnectTimeout and,
        // next in the plan, hosts itself. Then the heir's game comes back, elects itself, and the directory gives it the session.
        frozen.Add(heir.UserId);
        await host.Entry!.DisposeAsync();
        host.Entry = null;
        players.Remove(host);
        Assert.True(await TickUntilAsync(() => other.Peer.IsHost, 60 * 10), Describe());
        Assert.Equal((ulong)host.UserId, other.Peer.LostHostClientId);
        frozen.Remove(heir.UserId);
        Assert.True(await TickUntilAsync(() => heir.Peer.IsHost, 60 * 5), Describe());
        Assert.Equal((ulong)host.UserId, heir.Peer.LostHostClientId);
        var claim = PlayerSessionHost.ClaimAsync(Directory, id, heir.UserId, heir.Key!, (long)heir.Peer.LostHostClientId!.Value, time: time, cancellationToken: Cancel);
        Assert.True(await TickUntilAsync(() => claim.IsCompleted, 60 * 10), $"claim {claim.Status}; {Describe()}");
        heir.Entry = await claim;

        // The other player's claim names the host it lost: refused, the session has another host now.
        var refused = await Assert.ThrowsAsync<OnlineException>(() =>
            PlayerSessionHost.ClaimAsync(Directory, id, other.UserId, other.Key!, (long)other.Peer.LostHostClientId!.Value, time: time, cancellationToken: Cancel));
        Assert.Equal(OnlineProblemTypes.HostChanged, refused.ProblemType);
        long recorded = (await Directory.GetSessionAsync(id, Cancel))!.HostUserId!.Value;
        Assert.Equal(heir.UserId, recorded);

        // The recorded host does not answer (its game froze again): a typed outcome, no election of anyone else.
        frozen.Add(heir.UserId);
        Assert.True(other.Peer.TryFollowHost((ulong)recorded));
        Assert.False(other.Peer.IsHost);
        Assert.True(await TickUntilAsync(() => other.Peer.Role == MigrationRole.Out, 60 * 5), Describe());
        Assert.Equal(MigrationOutReason.RecordedHostUnreachable, other.Peer.OutReason);
        Assert.Equal([(ulong)other.UserId], otherHosts);   // only its own promotion

        // It answers again, and handles what the timed-out attempt left in its socket: it admits the other player (the
        // answer to its challenge was on its way). The peer that is out gave that attempt up: it is not connected by it.
        // Before, its client went on with the attempt and connected while the peer was out.
        frozen.Remove(heir.UserId);
        var follower = () => heir.Peer.Host!.Server.Connections.Where(c => heir.Peer.Host.Server.TryGetClientId(c, out ulong peer) && peer == (ulong)other.UserId).ToList();
        Assert.True(await TickUntilAsync(() => heir.Peer.IsHost && follower().Count == 1, 60), Describe());
        var stale = follower().Single();
        Assert.Equal(ClientState.Disconnected, other.Peer.Client!.Transport.State);

        // The other player joins the session again for a token (the directory seals it for the recorded host) and follows
        // it: its new connection replaces the stale one at once (before, the host dropped its handshake as the stale
        // connection's traffic until that timed out, TimeoutSeconds, as long as the follow waits). Its world is the recorded
        // host's, with no copy of what it hosted left beside it.
        var token = await JoinAsync(id, other.UserId);
        Assert.Equal([heir.Peer.StandbyAddress], token.ServerAddresses);
        other.Peer.FollowHost((ulong)recorded, token.ConnectToken);
        Assert.True(await TickUntilAsync(() => other.Peer.Role == MigrationRole.Client && other.Peer.Client!.Transport.State == ClientState.Connected
            && other.World.CountEntities(new QueryDescription().WithAll<Drone, NetworkId>()) == Drones
            && other.World.CountEntities(new QueryDescription().WithAll<ShipBody, NetworkId>()) == 2, 60), Describe());
        Assert.Equal((ulong)heir.UserId, other.Peer.HostClientId);
        Assert.Equal(heir.Peer.Epoch, other.Peer.Epoch);
        Assert.Null(other.Peer.OutReason);
        Assert.Equal([(ulong)other.UserId, (ulong)heir.UserId], otherHosts);
        Assert.Equal(heir.World.CountEntities(new QueryDescription().WithAll<NetworkId>()), other.World.CountEntities(new QueryDescription().WithAll<NetworkId>()));

        // The recorded host holds one connection for the follower (not the timed-out attempt's beside the new one), and the
        // follower's ship is its own again: owned by that connection there, predicted as its own here.
        var connection = Assert.Single(follower());
        Assert.NotEqual(stale, connection);
        Assert.True(heir.Peer.Host!.Server.TryGetPlayerEntity(connection, out var ship) && heir.World.Get<NetworkOwner>(ship).Connection == connection, Describe());
    }

    private async Task<Player> AddPlayerAsync(string name)
    {
        long id = (await services.Authentication.RegisterAsync(name, "correct horse battery", Cancel)).UserId;
        var player = new Player(id, World.Create()) { Key = ConnectTokenIssuer.GenerateServerKey() };
        players.Add(player);
        return player;
    }

    /// <summary>A joiner gets its token once the (current) host has reported its address; until then the directory answers Unavailable.</summary>
    private async Task<SessionConnectInfo> JoinAsync(SessionId session, long userId)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var join = await Directory.JoinSessionAsync(session, userId, Cancel);
                Assert.True(join.Succeeded, join.Status.ToString());
                return join.ConnectInfo!;
            }
            catch (OnlineException e) when (e.Error == OnlineError.Unavailable && attempt < 600)
            {
                await TickUntilAsync(() => false, 1);
            }
        }
    }

    private Player Build(Player player)
    {
        var world = player.World;
        MigratingPeer? peer = null;
        var clientSocket = network.CreateTransport();
        var standbySocket = network.CreateTransport(clientSocket.LocalAddress.WithPort(40001)); // one machine: one IP
        peer = new MigratingPeer(world, ReplicationWorld.Registry, (ulong)player.UserId, clientSocket, standbySocket,
            new MigrationOptions { ProtocolId = DirectoryTestSettings.ProtocolId, HostSilence = TimeSpan.FromSeconds(1) },
            host =>
            {
                host.Server.PlayerConnected += joined =>
                {
                    if (joined.Reconnected) return;
                    host.Server.SetPlayerEntity(joined.Connection, world.Create(new ShipBody { Position = new Vector2(0, joined.ClientId) }, new NetworkOwner(joined.Connection)));
                };
                if (world.CountEntities(new QueryDescription().WithAll<Drone>()) == 0)
                {
                    for (int d = 0; d < Drones; d++) world.Create(new Drone { Position = new Vector2(d, 0) });
                }

                return [];
            },
            _ => [], player.Key, time);
        var built = player with { Peer = peer, Group = new Group<float>($"player {player.UserId}", peer) };
        built.Group.Initialize();
        int index = players.IndexOf(player);
        if (index >= 0) players[index] = built;
        return built;
    }

    /// <summary>Ticks every live player at 60 Hz of virtual time; each tick the hosts report to the directory (their heartbeats run on the clock's timer).</summary>
    private async Task<bool> TickUntilAsync(Func<bool> done, int maxTicks)
    {
        for (int i = 0; i < maxTicks && !done(); i++)
        {
            time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            float dt = 1f / 60;
            foreach (var player in players.ToArray())
            {
                if (frozen.Contains(player.UserId)) continue; // its game froze: no ticks, no reports
                player.Group.Tick(in dt);
                if (player.Entry is { } entry && player.Peer.IsHost)
                {
                    // The connected players in the order of succession: only they may take the session over, in that order.
                    var connected = player.Peer.Host!.Server.Connections.Count;
                    var successors = player.Peer.Successors.Select(id => (long)id).ToList();
                    var others = players.Where(p => p != player && !successors.Contains(p.UserId)).Select(p => p.UserId).Take(connected - successors.Count);
                    entry.Report([player.Peer.StandbyAddress.ToEndPoint()], [.. successors, .. others]);
                }
            }

            await Task.Delay(1, Cancel); // the directory's calls (SQLite, on the pool) finish meanwhile
        }

        return done();
    }

    private string Describe() => string.Join("; ", players.Select(p =>
        $"player {p.UserId}: {p.Peer.Role}, host {p.Peer.HostClientId}, epoch {p.Peer.Epoch}, successors [{string.Join(",", p.Peer.Successors)}], "
        + $"{p.World.CountEntities(new QueryDescription().WithAll<NetworkId>())} entities"));

    private sealed record Player(long UserId, World World)
    {
        public byte[]? Key { get; init; }

        public MigratingPeer Peer { get; init; } = null!;

        public Group<float> Group { get; init; } = null!;

        public PlayerSessionHost? Entry { get; set; }
    }
}
