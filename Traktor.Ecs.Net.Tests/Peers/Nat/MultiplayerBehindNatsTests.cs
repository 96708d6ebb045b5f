using System.Numerics;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Sessions;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>
/// A player-hosted session played from C# through two NATs: the host's game creates it in the directory and hosts it
/// behind its NAT, and another player joins it with <see cref="Multiplayer.JoinSessionAsync"/>, whose client socket is a
/// <see cref="NatTraversal"/> (<see cref="MultiplayerOptions.Traversal"/>). The facade used to connect with the token
/// alone, which the host's NAT drops (only Lua's <c>joinSession</c> went through the introducer); both now reach the host
/// with <see cref="SessionConnector"/>.
/// </summary>
public sealed class MultiplayerBehindNatsTests : DirectoryOnFakeClockTests
{
    [Theory]
    [InlineData(NatKind.PortRestricted, NatKind.PortRestricted, NatPath.Direct)]
    [InlineData(NatKind.Symmetric, NatKind.PortRestricted, NatPath.Relayed)]
    public async Task A_CSharp_joiner_plays_a_player_hosted_session_through_both_nats(NatKind hostNat, NatKind joinerNat, NatPath path)
    {
        long hostPlayer = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        long joinerPlayer = (await Services.Authentication.RegisterAsync("joining-player", Password, Cancel)).UserId;

        // The host's game: a player-hosted session of the directory, a listen server behind its NAT that registers the
        // session's rendezvous with the introducer and publishes the public endpoint the introducer observed. The joiner's
        // game: the C# facade over the same directory, its client socket behind the other NAT.
        var (grant, rig) = await JoinBehindNatsAsync(hostPlayer, "joining-player", hostNat, joinerNat);
        using var _ = rig;
        var (scene, hostWorld, joinerWorld, multiplayer, joinedIds) = (rig.Scene, rig.HostWorld, rig.JoinerWorld, rig.Multiplayer, rig.JoinedIds);
        var players = new List<Entity>();
        rig.Host.Server.ClientConnected += (connection, clientId) =>
            players.Add(hostWorld.Create(new Position2 { Value = new Vector2(clientId, 0) }, new NetworkOwner(connection)));

        var joining = multiplayer.JoinSessionAsync(grant.Session.Id, Cancel);
        Assert.True(await rig.TickUntilAsync(() => joining.IsCompleted), "the join completed");
        var joined = await joining;
        Assert.Equal(grant.Session.Id, joined.Id);
        Assert.Equal(SessionHostKind.Player, joined.HostKind);
        Assert.Equal(ClientState.Connected, scene.Client.State);
        Assert.Equal(grant.Session.Id, multiplayer.CurrentSession!.Id);
        Assert.Equal(path, scene.JoinerSide.GetPath(scene.JoinerSide.HostAddress));
        Assert.Equal(path == NatPath.Relayed, scene.Introducer.Relayed > 0);

        // They play: the host admitted the directory's player, whose entity it moves every tick; the joiner follows.
        Assert.True(await rig.TickUntilAsync(() => joinedIds.Contains((ulong)joinerPlayer) && Values(joinerWorld).Count == players.Count && players.Count > 0),
            $"the joiner sees the host's entities (host {players.Count}, joiner {Values(joinerWorld).Count})");
        for (int tick = 0; tick < 60; tick++)
        {
            foreach (var player in players) hostWorld.Get<Position2>(player).Value += new Vector2(0.5f, -0.25f);
            rig.Tick();
        }

        Assert.True(await rig.TickUntilAsync(() => Values(joinerWorld).SequenceEqual(Values(hostWorld))), "the joiner converges on the host's world");
    }

    [Fact]
    public async Task A_player_host_the_introducer_does_not_put_through_fails_the_join_within_the_join_wait()
    {
        long hostPlayer = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        await Services.Authentication.RegisterAsync("joining-player", Password, Cancel);
        var directory = Services.Sessions!;
        var (grant, scene) = await HostBehindNatAsync(hostPlayer);
        using var _ = scene;

        using var joinerWorld = World.Create();
        var client = new NetworkClient(joinerWorld, scene.Client, ReplicationWorld.Registry, 60, Time);
        using var multiplayer = new Multiplayer(client, Services.Authentication, directory, new MultiplayerAccount("joining-player", Password),
            new MultiplayerOptions { Traversal = scene.JoinerSide, JoinWait = TimeSpan.FromSeconds(2) }, Time);
        var joinerGroup = new Group<float>("joiner", client, multiplayer);
        joinerGroup.Initialize();

        // The introducer is down from now on: the joiner's registrations are never answered.
        var joining = multiplayer.JoinSessionAsync(grant.Session.Id, Cancel);
        for (int i = 0; i < 60 * 30 && !joining.IsCompleted; i++)
        {
            Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            float dt = 1f / 60f;
            joinerGroup.Tick(in dt);
            await Task.Delay(1, Cancel);
        }

        var error = await Assert.ThrowsAsync<SessionJoinException>(() => joining);
        Assert.Contains("through the introducer within 2 s", error.Message, StringComparison.Ordinal);
        Assert.Equal(NatPath.None, scene.JoinerSide.GetPath(scene.JoinerSide.HostAddress));
        Assert.Equal(ClientState.Disconnected, scene.Client.State);   // no handshake went out to an unreachable host
        Assert.Null(multiplayer.CurrentSession);
    }

    private static List<(float, float)> Values(World world)
    {
        var values = new List<(float, float)>();
        world.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 p) => values.Add((MathF.Round(p.Value.X, 2), MathF.Round(p.Value.Y, 2))));
        values.Sort();
        return values;
    }
}
