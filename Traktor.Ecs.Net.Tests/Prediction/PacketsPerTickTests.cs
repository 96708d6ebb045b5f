using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>
/// Everything a tick queues for a client (snapshot, input status, RPCs, acks) leaves in one packet: the plugins
/// receive without sending in BeforeUpdate and flush once in AfterUpdate, and the input status is queued before
/// that flush. Before, the status went out after the flush and left alone at the next receive: two packets a tick.
/// </summary>
public class PacketsPerTickTests
{
    [Fact]
    public void EachTickSendsOnePacketToEachClientAndEachClientOneToTheServer()
    {
        using var game = new PredictionGame(new LinkConditions { LatencyMs = 40 });
        var players = Enumerable.Range(1, 3).Select(seat => game.Join(seat, seed: 70 + seat, input: tick => new MoveInput { X = 1 })).ToList();
        Assert.True(game.Setup.TickUntil(() => players.All(p => game.ClientShip(p) != Entity.Null), 600));
        game.Setup.Tick(60);

        var serverWire = game.Setup.Harness.ServerWire;
        var clientWires = game.Setup.Harness.ClientWires;
        serverWire.Enabled = true;
        clientWires.ForEach(w => w.Enabled = true);
        var statusBefore = players.ToDictionary(p => p.Seat, p => game.Inputs.CountersFor(game.Connections[p.Seat]).StatusMessages);
        const int Ticks = 300;
        game.Setup.Tick(Ticks);

        foreach (var player in players)
        {
            var address = game.Setup.Harness.ClientLinks[player.Seat - 1].LocalAddress;
            int toClient = serverWire.Sent.Count(s => s.Peer == address);
            Assert.InRange(toClient, Ticks - 2, Ticks + 2);
            int fromClient = clientWires[player.Seat - 1].Sent.Count;
            Assert.InRange(fromClient, Ticks - 2, Ticks + 2);
            Assert.True(game.Inputs.CountersFor(game.Connections[player.Seat]).Used >= Ticks - 10, "inputs stopped");
            Assert.InRange(player.Prediction.ServerBufferedTicks, 0, 6); // the status still arrives

            // In the snapshot's header (TRKNET11): no status message of its own while every tick has a snapshot.
            Assert.Equal(statusBefore[player.Seat], game.Inputs.CountersFor(game.Connections[player.Seat]).StatusMessages);
        }
    }

    /// <summary>
    /// At half the tick rate a client gets one packet every second tick, the snapshot with the input status in it (the
    /// status waits for the snapshot instead of leaving alone in between), while its inputs still go every tick.
    /// </summary>
    [Fact]
    public void AtHalfTheTickRateEachClientGetsOnePacketEverySecondTickAndStillSendsEveryTick()
    {
        using var game = new PredictionGame(new LinkConditions { LatencyMs = 40 }, snapshotRate: 30);
        var players = Enumerable.Range(1, 3).Select(seat => game.Join(seat, seed: 80 + seat, input: tick => new MoveInput { X = 1 })).ToList();
        Assert.True(game.Setup.TickUntil(() => players.All(p => game.ClientShip(p) != Entity.Null), 600));
        game.Setup.Tick(60);

        var serverWire = game.Setup.Harness.ServerWire;
        var clientWires = game.Setup.Harness.ClientWires;
        serverWire.Enabled = true;
        clientWires.ForEach(w => w.Enabled = true);
        var statusBefore = players.ToDictionary(p => p.Seat, p => game.Inputs.CountersFor(game.Connections[p.Seat]).StatusMessages);
        const int Ticks = 300;
        game.Setup.Tick(Ticks);

        foreach (var player in players)
        {
            var address = game.Setup.Harness.ClientLinks[player.Seat - 1].LocalAddress;
            int toClient = serverWire.Sent.Count(s => s.Peer == address);
            Assert.InRange(toClient, (Ticks / 2) - 2, (Ticks / 2) + 2);
            // The client measures the server's pace from snapshot ticks, which now come in steps of two: its rate wanders
            // by a percent or so more than at the full rate before the input status trims it.
            int fromClient = clientWires[player.Seat - 1].Sent.Count;
            Assert.InRange(fromClient, Ticks - 6, Ticks + 6);
            Assert.True(game.Inputs.CountersFor(game.Connections[player.Seat]).Used >= Ticks - 10, "inputs stopped");
            Assert.InRange(player.Prediction.ServerBufferedTicks, 0, 6);
            Assert.InRange(player.Client.Replication.Clock.SnapshotSpacingTicks, 1.9, 2.1);
            Assert.Equal(statusBefore[player.Seat], game.Inputs.CountersFor(game.Connections[player.Seat]).StatusMessages);
        }
    }
}
