using System.Numerics;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A newcomer that reaches a game server while it delivers the end of a session, seen through the facade a game uses: its
/// <see cref="Multiplayer.JoinSessionAsync"/> fails with <see cref="SessionJoinException.Disconnect"/>
/// <see cref="DisconnectReason.SessionEnded"/>. On a game server that answer is the <see cref="SessionRelay"/>'s own (the
/// session's endpoint is still open, so neither the router's record of closed sessions nor a player host's
/// <c>RefusesEveryone</c> answers first); the player-hosted facade test (<see cref="MultiplayerHostingTests"/>) cannot reach it.
/// </summary>
public sealed class MultiplayerEndDeliveryRefusalTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>
    /// Alice's link loses everything the server sends once the session ended, so the server keeps delivering the end to her
    /// (up to <see cref="SessionRelay.EndDeliveryWait"/> on the rig's fake clock, which moves only with its ticks: 45 of
    /// them, however slowly a loaded machine runs them). Bob, seated by the directory before the end, connects during that
    /// delivery. The world changes after alice last heard from the server, so she cannot hold the final one. Failed with the
    /// relay's SessionEnded refusal removed: the relay admitted bob into the ended session.
    /// </summary>
    [Fact]
    public async Task A_newcomer_reaching_a_game_server_while_it_delivers_the_end_is_refused_with_session_ended()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory) { Paced = true };
        var server = await rig.StartServerAsync(directory.Node);
        var aliceLink = new DeafSocket(rig.Network.CreateTransport());
        var alice = rig.AddPlayer(directory.Node, "alice", aliceLink, options: null);
        var game = await rig.RunAsync(alice.Multiplayer!.CreateSessionAsync("MyGame", 4, Cancel));
        var world = Assert.Single(server.Worlds);
        var admitted = new List<ulong>();
        world.Network.ClientConnected += (_, clientId) => admitted.Add(clientId);
        int closed = 0;
        world.Network.ClientDisconnected += (_, _) => closed++;

        // Bob's game loop waits: his join takes its seat in the directory, and his connection starts only when he ticks.
        var bob = rig.AddPlayer(directory.Node, "bob");
        bob.Paused = true;
        var joining = bob.Multiplayer!.JoinSessionAsync(game.Id, Cancel);
        Assert.True(SpinWait.SpinUntil(() => bob.Multiplayer.NeedsTicks || joining.IsCompleted, TimeSpan.FromSeconds(30)), "bob's join did not reach its connect");
        Assert.False(joining.IsCompleted);
        Assert.True((await directory.Node.Sessions.GetSessionAsync(game.Id, Cancel))!.IsMember(bob.Multiplayer.UserId!.Value));

        aliceLink.Deaf = true; // the end's snapshots and notice are lost on the way to alice: the server delivers on
        // A final score she has not seen: a world she already held would let her go at once (nothing to deliver).
        world.Network.World.Create(new Position2 { Value = new Vector2(3, 0) });
        Assert.True(await directory.Node.Sessions.EndSessionAsync(game.Id, Cancel));
        Assert.True(await rig.TickUntilAsync(() => world.Relay.EndReason != SessionEndReason.None, 600), "the server did not learn of the end");

        bob.Paused = false; // his connection starts now, to a server delivering the end
        Assert.True(await rig.TickUntilAsync(() => joining.IsCompleted, 300), "bob's join did not end");
        Assert.Equal(0, closed); // bob reached the server during the delivery: alice is not let go yet
        Assert.Contains(game.Id, server.Host.Sessions); // and the session's world is open: the router did not answer for it

        var refused = await Assert.ThrowsAsync<SessionJoinException>(() => joining);
        Assert.Equal(DisconnectReason.SessionEnded, refused.Disconnect); // the relay's refusal, typed, not a bad ticket's Rejected
        Assert.Equal(SessionJoinStatus.Joined, refused.Status); // the directory had seated him: the server refused him
        Assert.Null(bob.Multiplayer.CurrentSession);
        Assert.False(bob.Multiplayer.IsEnded); // he never played the session: no end screen
        Assert.DoesNotContain((ulong)bob.Multiplayer.UserId!.Value, admitted); // refused at the handshake

        aliceLink.Deaf = false;
        Assert.True(await rig.TickUntilAsync(() => alice.State == ClientState.Disconnected, 600), "alice was not let go");
        Assert.Equal(DisconnectReason.SessionEnded, alice.Client.Transport.LastDisconnectReason);
    }
}
