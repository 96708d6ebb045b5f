using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// The <see cref="Multiplayer"/> facade's listen server (<see cref="HostedSession"/>) stopping under heavy loss: its notice
/// (<see cref="DisconnectReason.SessionEnded"/>, or <see cref="DisconnectReason.HostGaveWay"/> when a successor took the
/// session over) was three unconfirmed datagrams, and a player that heard none of them timed out, read "timed out", and took
/// it for its host's loss. Now the stopped host stays on for <see cref="HostedSession.NoticeRepeats"/> and answers each
/// packet a player still sends on its closed connection with the notice again.
/// </summary>
public sealed class HostedSessionNoticeUnderLossTests
{
    private const int PlayerCount = 6;

    /// <summary>
    /// Six players join on clean links; every link then loses half its datagrams (each way) and the host stops, as the
    /// facade stops it (<see cref="HostedSession.Stop"/>, then <see cref="HostedSession.RepeatNotices"/> every tick). Every
    /// player hears why. Failed before (the notice unrepeated, seeded, so every run the same): 5 of the 36 players timed
    /// out instead (seed 11: one, 13: two, 14: one, 15: one).
    /// </summary>
    [Theory]
    [InlineData(DisconnectReason.SessionEnded, 11)]
    [InlineData(DisconnectReason.SessionEnded, 12)]
    [InlineData(DisconnectReason.SessionEnded, 13)]
    [InlineData(DisconnectReason.HostGaveWay, 14)]
    [InlineData(DisconnectReason.HostGaveWay, 15)]
    [InlineData(DisconnectReason.HostGaveWay, 16)]
    public void At_half_loss_every_player_of_a_stopped_host_hears_why(DisconnectReason reason, int seed)
    {
        using var rig = new Rig(seed);
        rig.Links.LossPercent = 50;

        bool repeating = rig.Hosted.Stop(reason, repeatNotices: true);
        for (int tick = 0; tick < 60 * 15 && (repeating || rig.Players.Any(p => p.State != ClientState.Disconnected)); tick++)
        {
            rig.TickPlayers();
            if (repeating) repeating = !rig.Hosted.RepeatNotices();
        }

        var told = rig.Players.Select(p => p.State == ClientState.Disconnected ? p.LastDisconnectReason : null).ToList();
        Assert.True(told.All(r => r == reason), $"seed {seed}: the players were told [{string.Join(", ", told)}], each should have heard {reason}");
        Assert.False(repeating); // the repeats end (at their deadline at the latest)
    }

    /// <summary>
    /// The host's player ended the session and the facade ticks on (<see cref="HostedSession.BeginEnd"/>): each player is
    /// let go with <see cref="DisconnectReason.SessionEnded"/> as it holds the final world, while the server still serves
    /// the others, and the server stops once all are gone, as the facade's ticks run it (<see cref="HostedSession.ReceiveEnding"/>,
    /// <see cref="HostedSession.SendEnding"/>, then <see cref="HostedSession.Stop"/>). A player let go during the delivery
    /// is no longer one of the server's at the stop: its notice, too, is repeated while it still sends. Failed before (only
    /// the stop's notices repeated, seeded): players let go during the delivery timed out instead (seed 31: two, 32: one).
    /// </summary>
    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(34)]
    public void At_half_loss_every_player_let_go_while_the_end_is_delivered_hears_the_session_ended(int seed)
    {
        using var rig = new Rig(seed);
        rig.Links.LossPercent = 50;
        var server = (NetServer)rig.Hosted.Host.Transport;

        rig.Hosted.BeginEnd();
        bool delivered = false, repeating = false;
        int connectedAtStop = -1;
        float dt = 1f / 60;
        for (int tick = 0; tick < 60 * 15 && (!delivered || repeating || rig.Players.Any(p => p.State != ClientState.Disconnected)); tick++)
        {
            rig.TickPlayers();
            if (!delivered)
            {
                delivered = rig.Hosted.ReceiveEnding(in dt);
                rig.Hosted.SendEnding(in dt);
                if (delivered)
                {
                    connectedAtStop = server.ConnectionCount;
                    repeating = rig.Hosted.Stop(DisconnectReason.SessionEnded, repeatNotices: true);
                }
            }
            else if (repeating)
            {
                repeating = !rig.Hosted.RepeatNotices();
            }
        }

        Assert.Equal(0, connectedAtStop); // every player was let go during the delivery, none by the stop
        var told = rig.Players.Select(p => p.State == ClientState.Disconnected ? p.LastDisconnectReason : null).ToList();
        Assert.True(told.All(r => r == DisconnectReason.SessionEnded), $"seed {seed}: the players were told [{string.Join(", ", told)}]");
        Assert.False(repeating);
    }

    /// <summary>
    /// While it repeats its notice a stopped host admits nobody: a newcomer with a valid connect token is refused with the
    /// notice's reason, and once the repeats are over the server is gone (the socket is free to host again).
    /// </summary>
    [Fact]
    public void A_stopped_host_repeating_its_notice_refuses_a_newcomer_with_the_reason()
    {
        using var rig = new Rig(seed: 21);
        Assert.True(rig.Hosted.Stop(DisconnectReason.SessionEnded, repeatNotices: true));

        var newcomer = rig.Connect(99);
        bool over = false;
        for (int tick = 0; tick < 60 && newcomer.State != ClientState.Disconnected; tick++)
        {
            rig.Time.Advance(Tick);
            newcomer.Update();
            over = rig.Hosted.RepeatNotices();
        }

        Assert.Equal(DisconnectReason.SessionEnded, newcomer.LastDisconnectReason);
        Assert.False(over); // refused during the repeats
        for (int tick = 0; tick < 60 * 3 && !over; tick++)
        {
            rig.Time.Advance(Tick);
            over = rig.Hosted.RepeatNotices();
        }

        Assert.True(over, "the repeats outlived their deadline");
        Assert.True(rig.Hosted.Host.Transport is NetServer { IsDisposed: true });
    }

    private static readonly TimeSpan Tick = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60);

    /// <summary>A facade's listen server (<see cref="HostedSession"/>) on an in-memory network, with six players connected on clean links.</summary>
    private sealed class Rig : IDisposable
    {
        private readonly InMemoryNetwork network = new();
        private readonly World world = World.Create();
        private readonly LinkSimulator hostLink;
        private readonly ConnectTokenIssuer issuer;
        private readonly int seed;
        private readonly List<IDisposable> owned = [];

        public Rig(int seed)
        {
            this.seed = seed;
            hostLink = new LinkSimulator(network.CreateTransport(), Links, Time, seed);
            var session = new SessionInfo(SessionId.New(), "coop", PlayerCount + 2, SessionVisibility.Public, new Dictionary<string, string>(), [], Time.GetUtcNow())
            {
                HostKind = SessionHostKind.Player,
                HostUserId = 1,
            };
            var grant = new PlayerHostGrant(session, ConnectTokenIssuer.GenerateServerKey(), Guid.NewGuid());
            var ownTransport = new NetClient(network.CreateTransport(), ClientOptions(), Time);
            owned.Add(ownTransport);
            var own = new NetworkClient(world, ownTransport, ReplicationWorld.Registry, time: Time);
            Hosted = HostedSession.Start(grant, new MultiplayerHosting(hostLink), own, new LiveDirectory(), hostUserId: 1, Time, NullLogger.Instance);
            issuer = new ConnectTokenIssuer(grant.SessionKey, TransportHarness.ProtocolId, Time) { RandomForTests = new Random(seed).NextBytes };
            for (int i = 0; i < PlayerCount; i++)
            {
                var player = Connect((ulong)(i + 2));
                var playerWorld = World.Create();
                owned.Add(playerWorld);
                Players.Add(player);
                PlayerClients.Add(new NetworkClient(playerWorld, player, ReplicationWorld.Registry, time: Time));
            }

            for (int tick = 0; tick < 60 * 5 && Players.Any(p => p.State != ClientState.Connected); tick++) Step();
            Assert.All(Players, p => Assert.Equal(ClientState.Connected, p.State));
            for (int tick = 0; tick < 30; tick++) Step(); // a while of play: keep-alives and acknowledgements both ways
        }

        public FakeTimeProvider Time { get; } = new(TransportHarness.Start);

        /// <summary>Every link's conditions (the host's and each player's): clean until a test makes them lossy.</summary>
        public LinkConditions Links { get; } = new();

        public HostedSession Hosted { get; }

        /// <summary>The remote players' connections (each under a <see cref="NetworkClient"/> of its own world, which acknowledges snapshots).</summary>
        public List<NetClient> Players { get; } = [];

        private List<NetworkClient> PlayerClients { get; } = [];

        /// <summary>Advances the clock a tick and ticks every remote player (its receive, then its send).</summary>
        public void TickPlayers()
        {
            Time.Advance(Tick);
            float dt = 1f / 60;
            foreach (var player in PlayerClients)
            {
                player.BeforeUpdate(in dt);
                player.AfterUpdate(in dt);
            }
        }

        /// <summary>A client on its own link (lossy when <see cref="Links"/> are), connecting with a token the session's key opens.</summary>
        public NetClient Connect(ulong id)
        {
            var link = new LinkSimulator(network.CreateTransport(), Links, Time, seed * 100 + (int)id);
            var player = new NetClient(link, ClientOptions(), Time);
            owned.Add(player);
            owned.Add(link);
            player.Connect(issuer.Issue(id, [], TimeSpan.FromMinutes(5), [hostLink.LocalAddress], 10));
            return player;
        }

        private void Step()
        {
            TickPlayers();
            float dt = 1f / 60;
            Hosted.BeforeUpdate(in dt);
            Hosted.Update(in dt);
            Hosted.AfterUpdate(in dt);
        }

        private static NetClientOptions ClientOptions() => new() { ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash };

        public void Dispose()
        {
            Hosted.EndNotices();
            foreach (var disposable in owned) disposable.Dispose();
            hostLink.Dispose();
            world.Dispose();
        }
    }

    /// <summary>A directory whose heartbeats say the session is live; the stopped host asks it nothing else.</summary>
    private sealed class LiveDirectory : IPlayerHostedSessions
    {
        public Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
            CancellationToken cancellationToken = default) => Task.FromResult(new PlayerHostHeartbeat(true, []));

        public Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
