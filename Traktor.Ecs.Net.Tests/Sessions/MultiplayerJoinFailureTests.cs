using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Peers.Nat;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A join <see cref="Multiplayer"/> cannot start on the tick thread fails the join's task instead of the tick: an invalid
/// <see cref="MultiplayerOptions.JoinWait"/> (<see cref="Timeout.InfiniteTimeSpan"/>) made <see cref="SessionConnector.Start"/>
/// throw inside the queued action, so <see cref="Multiplayer.BeforeUpdate"/> threw on the tick thread and
/// <see cref="Multiplayer.JoinSessionAsync"/> never completed. JoinWait is now refused when the facade is made, and any
/// exception while starting the connection completes the join with it.
/// </summary>
public sealed class MultiplayerJoinFailureTests : DirectoryOnFakeClockTests
{
    public static TheoryData<TimeSpan> InvalidJoinWaits => new() { Timeout.InfiniteTimeSpan, TimeSpan.Zero, TimeSpan.FromSeconds(-1), TimeSpan.FromDays(60) };

    [Theory]
    [MemberData(nameof(InvalidJoinWaits))]
    public void A_join_wait_that_is_not_a_positive_bounded_time_is_refused_when_the_facade_is_made(TimeSpan joinWait)
    {
        using var scene = new NatScene(NatKind.PortRestricted, NatKind.PortRestricted, time: Time);
        using var world = World.Create();
        var client = new NetworkClient(world, scene.Client, ReplicationWorld.Registry, 60, Time);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Multiplayer(client, Services.Authentication, Services.Sessions!,
            new MultiplayerAccount("joining-player", Password), new MultiplayerOptions { JoinWait = joinWait }, Time));
        Assert.Equal("options", error.ParamName);
        Assert.Contains("JoinWait", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, TimeSpan> InvalidEndReasonWaits => new()
    {
        { "EndReasonWait", Timeout.InfiniteTimeSpan },
        { "EndReasonWait", TimeSpan.FromSeconds(-1) },
        { "EndReasonWait", TimeSpan.FromDays(60) },
        { "EndReasonPollInterval", Timeout.InfiniteTimeSpan },
        { "EndReasonPollInterval", TimeSpan.Zero },
        { "EndReasonPollInterval", TimeSpan.FromDays(60) },
    };

    [Theory]
    [MemberData(nameof(InvalidEndReasonWaits))]
    public void End_reason_waits_a_timer_cannot_measure_are_refused_when_the_facade_is_made(string option, TimeSpan wait)
    {
        // An infinite poll interval used to park the ended session's question in a delay that never ends: the player
        // was never told the session had ended.
        using var scene = new NatScene(NatKind.PortRestricted, NatKind.PortRestricted, time: Time);
        using var world = World.Create();
        var client = new NetworkClient(world, scene.Client, ReplicationWorld.Registry, 60, Time);
        var options = option == "EndReasonWait" ? new MultiplayerOptions { EndReasonWait = wait } : new MultiplayerOptions { EndReasonPollInterval = wait };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Multiplayer(client, Services.Authentication, Services.Sessions!,
            new MultiplayerAccount("joining-player", Password), options, Time));
        Assert.Equal("options", error.ParamName);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
        using var zeroWaitIsAllowed = new Multiplayer(client, Services.Authentication, Services.Sessions!,
            new MultiplayerAccount("joining-player", Password), new MultiplayerOptions { EndReasonWait = TimeSpan.Zero }, Time);
    }

    [Fact]
    public async Task A_connection_that_cannot_start_fails_the_join_and_not_the_tick()
    {
        long hostPlayer = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        await Services.Authentication.RegisterAsync("joining-player", Password, Cancel);
        var (grant, scene) = await HostBehindNatAsync(hostPlayer);
        using var _ = scene;

        // The join's answer carries a punch key NatTraversal.Join refuses (16 bytes, not 32): starting the connection throws.
        using var world = World.Create();
        var client = new NetworkClient(world, scene.Client, ReplicationWorld.Registry, 60, Time);
        using var multiplayer = new Multiplayer(client, Services.Authentication, new ShortPunchKeySessions(Services.Sessions!),
            new MultiplayerAccount("joining-player", Password), new MultiplayerOptions { Traversal = scene.JoinerSide }, Time);
        var group = new Group<float>("joiner", client, multiplayer);
        group.Initialize();

        var joining = multiplayer.JoinSessionAsync(grant.Session.Id, Cancel);
        for (int i = 0; i < 60 * 30 && !joining.IsCompleted; i++)
        {
            Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            float dt = 1f / 60f;
            group.Tick(in dt);   // threw the ArgumentException on the tick thread before, and the join never completed
            await Task.Delay(1, Cancel);
        }

        Assert.True(joining.IsCompleted, "the join completed");
        var error = await Assert.ThrowsAsync<ArgumentException>(() => joining);
        Assert.Equal("punchKey", error.ParamName);
        Assert.False(multiplayer.NeedsTicks);
        Assert.Null(multiplayer.CurrentSession);
        Assert.Equal(ClientState.Disconnected, scene.Client.State);
    }

    [Fact]
    public async Task A_join_whose_host_never_answers_the_connection_fails_and_gives_the_seat_back()
    {
        long hostPlayer = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        long joinerPlayer = (await Services.Authentication.RegisterAsync("joining-player", Password, Cancel)).UserId;
        var (grant, scene) = await HostBehindNatAsync(hostPlayer);
        using var _ = scene;

        // The host's game registered and heartbeats, but its server never reads its socket: the connection is never answered.
        using var world = World.Create();
        var client = new NetworkClient(world, scene.Client, ReplicationWorld.Registry, 60, Time);
        using var multiplayer = new Multiplayer(client, Services.Authentication, Services.Sessions!,
            new MultiplayerAccount("joining-player", Password), new MultiplayerOptions { Traversal = scene.JoinerSide, JoinWait = TimeSpan.FromSeconds(5) }, Time);
        var group = new Group<float>("joiner", client, multiplayer);
        group.Initialize();

        var joining = multiplayer.JoinSessionAsync(grant.Session.Id, Cancel);
        for (int i = 0; i < 60 * 60 && !joining.IsCompleted; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(50));
            scene.Introducer.Update();
            scene.HostSide.Update();
            float dt = 0.05f;
            group.Tick(in dt);
            await Task.Delay(1, Cancel);
        }

        Assert.True(joining.IsCompleted, "the join completed");
        var error = await Assert.ThrowsAsync<SessionJoinException>(() => joining);
        Assert.Equal(SessionJoinStatus.Joined, error.Status); // the directory seated the player; the connection failed
        Assert.Null(multiplayer.CurrentSession);
        Assert.Equal(ClientState.Disconnected, scene.Client.State);
        // Before, the seat stayed taken until the directory's idle sweep: the player was a member of a session it never reached.
        Assert.False((await Services.Sessions!.GetSessionAsync(grant.Session.Id, Cancel))!.IsMember(joinerPlayer), "the directory has the seat back");
    }

    private sealed class ShortPunchKeySessions(ISessions inner) : JoinAlteringSessions(inner)
    {
        public override async Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default)
        {
            var result = await Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);
            return result with { ConnectInfo = result.ConnectInfo! with { PunchKey = new byte[16] } };
        }
    }
}
