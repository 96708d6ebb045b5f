using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>A session hosted by a game server: join tokens admit members only; joins and leaves arrive as RPC events.</summary>
public class SessionRelayTests
{
    [Fact]
    public void MembersConnectWithTheirJoinTokenAndEveryoneSeesJoinsAndLeaves()
    {
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions { LossPercent = 10, LatencyMs = 20 },
            new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(1) },
            options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        var sessions = new InProcessSessions(
            new SessionHost { ServerAddresses = [setup.Harness.ServerAddress.ToEndPoint()], ServerKey = setup.Harness.ServerKey, ProtocolId = TransportHarness.ProtocolId },
            setup.Harness.Time);
        setup.ServerWorld.Resources.Add<ISessions>(sessions);
        var session = sessions.CreateSession("coop", 3);
        relay = new SessionRelay(setup.ServerRpcs, sessions, session.Id);
        var serverJoins = new RpcRecorder<PlayerJoined>(setup.ServerWorld);
        var serverLeaves = new RpcRecorder<PlayerLeft>(setup.ServerWorld);
        setup.ServerGroup.Add(serverJoins, serverLeaves);

        var alice = Join(setup, sessions, session.Id, 1, "alice", out var aliceJoins, out var aliceLeaves);
        var bob = Join(setup, sessions, session.Id, 2, "bob", out var bobJoins, out _);

        // The server saw both joins as local events; alice saw both (herself first); bob learned about alice, then himself.
        Assert.True(setup.TickUntil(() => aliceJoins.Received.Count == 2 && bobJoins.Received.Count == 2, 300));
        Assert.Equal([(1UL, "alice"), (2UL, "bob")], serverJoins.Received.Select(j => (j.Rpc.PlayerId, j.Rpc.Name.ToString())));
        Assert.All(serverJoins.Received, j => Assert.True(j.Source.IsLocal));
        Assert.Equal([1UL, 2UL], aliceJoins.Received.Select(j => j.Rpc.PlayerId));
        Assert.Equal([1UL, 2UL], bobJoins.Received.Select(j => j.Rpc.PlayerId));
        Assert.Equal(2, bobJoins.Received[^1].Rpc.PlayerCount);

        // A valid token that was not issued by joining the session is refused.
        var stranger = setup.AddClient(99, seed: 30, connect: false);
        stranger.Client.Transport.Connect(setup.Harness.IssueToken(99));
        Assert.True(setup.TickUntil(() => stranger.Client.Transport.State == ClientState.Disconnected, 300));
        Assert.Equal(DisconnectReason.Rejected, stranger.Client.Transport.LastDisconnectReason);

        // Bob leaves the session: everyone hears it and the slot is free again.
        Assert.True(sessions.LeaveSession(session.Id, 2));
        Assert.True(setup.TickUntil(() => aliceLeaves.Received.Count == 1 && serverLeaves.Received.Count == 1, 300));
        Assert.Equal(2UL, aliceLeaves.Received[0].Rpc.PlayerId);
        Assert.Equal(1, aliceLeaves.Received[0].Rpc.PlayerCount);
        Assert.Equal([1UL], relay.PresentPlayers);
        Assert.True(sessions.TryGetSession(session.Id, out var info));
        Assert.Equal(2, info.FreeSlots);
        Assert.NotNull(bob);

        // Alice drops and does not come back within the grace period: she leaves the session, freeing her slot.
        alice.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => serverLeaves.Received.Count == 2, 300));
        Assert.Equal(1UL, serverLeaves.Received[1].Rpc.PlayerId);
        Assert.False(sessions.IsMember(session.Id, 1));
    }

    private static RpcWorld.Peer Join(RpcWorld setup, InProcessSessions sessions, SessionId id, ulong player, string name, out RpcRecorder<PlayerJoined> joins, out RpcRecorder<PlayerLeft> leaves)
    {
        var result = sessions.JoinSession(id, player, name);
        Assert.Equal(SessionJoinStatus.Joined, result.Status);
        var peer = setup.AddClient(player, seed: 20 + (int)player, connect: false);
        joins = new RpcRecorder<PlayerJoined>(peer.World);
        leaves = new RpcRecorder<PlayerLeft>(peer.World);
        peer.Group.Add(joins, leaves);
        peer.Client.Transport.Connect(result.ConnectInfo!.ConnectToken);
        Assert.True(setup.TickUntil(() => peer.Client.Transport.State == ClientState.Connected, 300));
        setup.Tick(5);
        return peer;
    }
}
